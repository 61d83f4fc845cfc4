import { isAppError } from '@platform/shared/errors';
import { userBanned } from '@platform/shared/events';
import type { User } from '../../domain/user.ts';
import { EVENT_SOURCE } from '../ensure-profile.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { ItemError } from './service-batches.ts';
import { undoIdentityChange } from './undo-identity.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts' | 'accountStore' | 'logger'>;

export type DeactivateResult =
  | { index: number; external_id: string; status: 'deactivated' | 'unchanged'; id: string }
  | { index: number; external_id: string; status: 'not_found' }
  | { index: number; external_id: string; status: 'failed'; id: string; error: ItemError };

export const deactivationReason = (source: string) => `deactivated: no longer in ${source}`;

/**
 * POST /internal/users/batch-deactivate (the sync service): people who vanished from `source` are
 * banned, never deleted, and marked as that source's doing (batch-upsert lifts exactly those bans
 * when they reappear). Like an admin's ban, auth comes first (status banned revokes the sessions);
 * if auth is unavailable for any of them, the ones it already took are put back and the whole call
 * fails (EXT_002), so nothing changed. auth refusing one person (4xx) fails only that item.
 * Only profiles linked to `source` are looked at: unknown or deleted → not_found; already banned →
 * unchanged (an admin's ban stays the admin's).
 */
export async function batchDeactivateUsers(deps: Deps, source: string, externalIds: readonly string[]): Promise<DeactivateResult[]> {
  const byKey = new Map((await deps.accountStore.findByExternalIds(deps.db, source, [...new Set(externalIds)])).map((u) => [u.externalId!, u]));
  const results: DeactivateResult[] = [];
  const toBan: { index: number; externalId: string; user: User }[] = [];
  const seen = new Set<string>();
  externalIds.forEach((externalId, index) => {
    const user = byKey.get(externalId);
    if (!user || user.status === 'deleted') results.push({ index, external_id: externalId, status: 'not_found' });
    else if (user.status !== 'active' || seen.has(externalId)) results.push({ index, external_id: externalId, status: 'unchanged', id: user.id });
    else toBan.push({ index, externalId, user });
    seen.add(externalId);
  });

  const banned: User[] = [];
  const undo = async () => {
    for (const user of banned) await undoIdentityChange(deps, user, { status: 'banned' });
  };
  const accepted: typeof toBan = [];
  for (const item of toBan) {
    try {
      await deps.accounts.updateIdentity(item.user.id, { status: 'banned' });
      banned.push(item.user);
      accepted.push(item);
    } catch (err) {
      if (isAppError(err) && err.status < 500) {
        results.push({ index: item.index, external_id: item.externalId, status: 'failed', id: item.user.id, error: { code: err.code, message: err.message } });
        continue;
      }
      await undo();
      throw err;
    }
  }

  const reason = deactivationReason(source);
  const skipped: User[] = [];
  let changed: User[];
  try {
    changed = await deps.runInTx(async (tx) => {
      const out: User[] = [];
      for (const { index, externalId, user } of accepted) {
        const locked = await deps.users.findByIdForUpdate(tx, user.id);
        // Changed meanwhile (banned, deleted, relinked): what is there now stays, auth is put back to it.
        if (!locked || locked.status !== 'active' || locked.externalSource !== source || locked.externalId !== externalId) {
          skipped.push(user);
          results.push(locked && locked.status !== 'deleted' ? { index, external_id: externalId, status: 'unchanged', id: user.id } : { index, external_id: externalId, status: 'not_found' });
          continue;
        }
        const next = await deps.accountStore.deactivate(tx, user.id, { source, reason }, { actorId: null });
        await deps.outbox.add(tx, userBanned.create({ user_id: user.id, reason, until: null, banned_by: null }, { source: EVENT_SOURCE, subject: user.id }));
        results.push({ index, external_id: externalId, status: 'deactivated', id: user.id });
        out.push(next);
      }
      return out;
    });
  } catch (err) {
    await undo();
    throw err;
  }
  for (const user of skipped) await undoIdentityChange(deps, user, { status: 'banned' });
  for (const user of changed) await deps.cache.set(user);
  if (changed.length > 0) deps.logger.info('users deactivated by source', { source, count: changed.length });
  return results.sort((a, b) => a.index - b.index);
}
