import { authLoginLocked } from '@platform/shared/events';
import { accountErrors } from '../domain/account-errors.ts';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { validationError } from '../domain/field-issue.ts';
import { checkPassword } from '../domain/password-policy.ts';
import { REVOKE_REASONS } from '../domain/session.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';

export type ChangePasswordInput = { currentPassword: string; newPassword: string };

type Deps = Pick<AuthDeps, 'db' | 'runInTx' | 'users' | 'sessions' | 'oneTimeTokens' | 'audit' | 'outbox' | 'hasher' | 'limiter'
  | 'passwordPolicy' | 'revocations' | 'now' | 'logger'>;

/**
 * The signed-in user replaces their password. The current one is checked like a login (a wrong one
 * counts toward the email+IP lockout, so a stolen access token cannot be used to guess it), and every
 * other session ends; the one making the change stays signed in.
 */
export async function changePassword(
  deps: Deps, actor: { id: string; sid: string | undefined }, input: ChangePasswordInput, meta: RequestMeta,
): Promise<{ user: User; sessionsRevoked: number }> {
  const user = await deps.users.findById(deps.db, actor.id);
  if (!user || user.status === 'deleted') throw authErrors.accountDeleted();
  if (user.status === 'banned') throw authErrors.accountBanned();

  // Policy first: it costs no hash and says nothing about the current password.
  const issues = checkPassword(deps.passwordPolicy, input.newPassword, user.email, 'new_password');
  if (input.newPassword === input.currentPassword) {
    issues.push({ field: 'new_password', issue: 'same_as_current', message: 'Must differ from the current password' });
  }
  if (issues.length > 0) throw validationError(issues);

  const lock = await deps.limiter.check(user.email, meta.ip);
  if (lock.locked) {
    await deps.audit.record(deps.db, { event: AUDIT_EVENTS.passwordChangeFailed, userId: user.id, actorId: user.id, meta, details: { reason: 'locked' } });
    throw authErrors.locked(lock.retryAfterS);
  }
  if (!(await deps.hasher.verify(user.passwordHash, input.currentPassword))) return failChange(deps, user, meta);

  await deps.limiter.reset(user.email, meta.ip);
  const passwordHash = await deps.hasher.hash(input.newPassword);
  const { updated, revoked } = await deps.runInTx(async (tx) => {
    const changed = await deps.users.setPassword(tx, user.id, passwordHash);
    const revokedIds = await deps.sessions.revokeAllForUserExcept(tx, user.id, actor.sid ?? null, REVOKE_REASONS.passwordChanged);
    // A reset link still in a mailbox would undo this change; it is moot now.
    await deps.oneTimeTokens.invalidateUnused(tx, user.id, ['reset_password']);
    await deps.audit.record(tx, {
      event: AUDIT_EVENTS.passwordChanged, userId: user.id, actorId: user.id, meta,
      details: { session_id: actor.sid ?? null, sessions_revoked: revokedIds.length },
    });
    return { updated: changed, revoked: revokedIds };
  });
  await deps.revocations.revokeSessions(revoked);
  return { user: updated, sessionsRevoked: revoked.length };
}

/** A wrong current password: one more failure for the email+IP pair, announced like a login lock when it locks. */
async function failChange(deps: Deps, user: User, meta: RequestMeta): Promise<never> {
  const failure = await deps.limiter.recordFailure(user.email, meta.ip);
  const failed = {
    event: AUDIT_EVENTS.passwordChangeFailed, userId: user.id, actorId: user.id, meta,
    details: { reason: user.passwordHash === null ? 'no_password' : 'wrong_password', failures: failure.failures },
  };
  if (!failure.justLocked) {
    await deps.audit.record(deps.db, failed);
    throw failure.locked ? authErrors.locked(failure.retryAfterS) : accountErrors.wrongCurrentPassword();
  }
  const lockedUntil = new Date(deps.now().getTime() + failure.retryAfterS * 1000).toISOString();
  await deps.runInTx(async (tx) => {
    await deps.audit.record(tx, failed);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.loginLocked, userId: user.id, meta, details: { email: user.email, failures: failure.failures, locked_until: lockedUntil } });
    await deps.outbox.add(tx, authLoginLocked.create(
      { email: user.email, ip: meta.ip ?? 'unknown', user_id: user.id, failures: failure.failures, locked_until: lockedUntil },
      { source: 'auth', subject: user.id },
    ));
  });
  deps.logger.warn('login locked by wrong current password', { user_id: user.id, ip: meta.ip, failures: failure.failures });
  throw authErrors.locked(failure.retryAfterS);
}
