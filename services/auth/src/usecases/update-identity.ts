import { accountErrors } from '../domain/account-errors.ts';
import { AUDIT_EVENTS, type AuditEvent, type RequestMeta } from '../domain/audit-events.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { validationError } from '../domain/field-issue.ts';
import { REVOKE_REASONS, type RevokeReason } from '../domain/session.ts';
import type { User, UserRole, UserStatus } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import { requestEmailVerification } from './register.ts';

export type IdentityChange = { role?: UserRole; status?: UserStatus; email?: string };

type Deps = Pick<AuthDeps, 'runInTx' | 'users' | 'sessions' | 'oneTimeTokens' | 'audit' | 'outbox' | 'revocations' | 'settings' | 'now'>;

/** Why the sessions end, or null when the change leaves them alone (an unban, an email change). */
function revokeReasonFor(before: User, change: IdentityChange): RevokeReason | null {
  if (change.status && change.status !== before.status && change.status !== 'active') {
    return change.status === 'banned' ? REVOKE_REASONS.banned : REVOKE_REASONS.deleted;
  }
  if (change.role && change.role !== before.role) return REVOKE_REASONS.roleChanged;
  return null;
}

/**
 * Role, status and email changes asked by another service (the user service's admin flows). A ban,
 * a deletion or a role change ends every session and lands on the Redis revocation list, so tokens
 * already issued stop working on the next request (and a new login carries the new role). An email
 * change resets verification and sends a link to the new address; links sent to the old one die.
 */
export async function updateIdentity(deps: Deps, actor: { id: string }, userId: string, change: IdentityChange, meta: RequestMeta): Promise<User> {
  const email = change.email === undefined ? undefined : normalizeEmail(change.email);
  if (email !== undefined && !isValidEmail(email)) throw validationError([{ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' }]);

  const outcome = await deps.runInTx(async (tx) => {
    // The admins are locked before the target, always in that order, so concurrent demotions queue
    // instead of deadlocking, and two of them cannot each remove "the other" last admin.
    const activeAdmins = change.role !== undefined || change.status !== undefined ? await deps.users.lockActiveAdmins(tx) : [];
    const before = await deps.users.findByIdForUpdate(tx, userId);
    if (!before) throw accountErrors.userNotFound(userId);

    const roleChanged = change.role !== undefined && change.role !== before.role;
    const statusChanged = change.status !== undefined && change.status !== before.status;
    const emailChanged = email !== undefined && email !== before.email;
    if (!roleChanged && !statusChanged && !emailChanged) return { user: before, revoked: null };

    const wasActiveAdmin = before.role === 'admin' && before.status === 'active';
    const staysActiveAdmin = (change.role ?? before.role) === 'admin' && (change.status ?? before.status) === 'active';
    if (wasActiveAdmin && !staysActiveAdmin && activeAdmins.every((id) => id === before.id)) throw accountErrors.lastAdmin();

    const after = await deps.users.updateIdentity(tx, before.id, {
      ...(roleChanged && { role: change.role }),
      ...(statusChanged && { status: change.status }),
      ...(emailChanged && { email, emailVerified: false }),
    });
    const audit = (event: AuditEvent, details: Record<string, unknown>) =>
      deps.audit.record(tx, { event, userId: before.id, actorId: actor.id, meta, details });
    if (roleChanged) await audit(AUDIT_EVENTS.roleChanged, { old_role: before.role, new_role: after.role });
    if (statusChanged) await audit(AUDIT_EVENTS.statusChanged, { old_status: before.status, new_status: after.status });
    if (emailChanged) {
      await audit(AUDIT_EVENTS.emailChanged, { old_email: before.email, new_email: after.email });
      await deps.oneTimeTokens.invalidateUnused(tx, before.id, ['verify_email', 'reset_password', 'set_password']);
      if (after.status === 'active') await requestEmailVerification(deps, tx, after, meta);
    }

    const reason = revokeReasonFor(before, change);
    const revoked = reason ? await deps.sessions.revokeAllForUser(tx, before.id, reason) : null;
    return { user: after, revoked };
  });

  if (outcome.revoked) {
    await deps.revocations.revokeUser(outcome.user.id, deps.now());
    await deps.revocations.revokeSessions(outcome.revoked);
  }
  return outcome.user;
}
