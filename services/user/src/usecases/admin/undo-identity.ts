import type { User } from '../../domain/user.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { IdentityChange } from './identity-port.ts';

/**
 * auth took a change but the local transaction then failed (a concurrent write made the version
 * stale, the row vanished, the database went away): put auth back to the values this service holds
 * now (committed by whoever won; the values read before the change if the database cannot say), so
 * the two do not disagree. Best effort: if that fails too it is logged for an operator, and
 * repeating the admin's request converges both (auth's PATCH is idempotent).
 */
export async function undoIdentityChange(deps: Pick<AdminDeps, 'accounts' | 'logger' | 'users' | 'db'>, before: User, applied: IdentityChange): Promise<void> {
  const current = (await deps.users.findById(deps.db, before.id).catch(() => null)) ?? before;
  const back: IdentityChange = {
    ...(applied.role !== undefined && { role: current.role }),
    ...(applied.status !== undefined && { status: current.status }),
    ...(applied.email !== undefined && { email: current.email }),
  };
  try {
    await deps.accounts.updateIdentity(before.id, back);
    deps.logger.warn('local account change failed after auth took it; auth was put back', { user_id: before.id, fields: Object.keys(back) });
  } catch (err) {
    deps.logger.error('local account change failed after auth took it, and auth could not be put back', { user_id: before.id, fields: Object.keys(back), err });
  }
}
