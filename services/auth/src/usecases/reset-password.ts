import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { validationError } from '../domain/field-issue.ts';
import { checkPassword } from '../domain/password-policy.ts';
import { REVOKE_REASONS } from '../domain/session.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import { assertLinkShape, claimLinkToken } from './one-time-links.ts';

type Deps = Pick<AuthDeps, 'runInTx' | 'users' | 'sessions' | 'oneTimeTokens' | 'audit' | 'hasher' | 'passwordPolicy' | 'revocations' | 'now'>;

/**
 * Sets a new password with a single-use link: a reset link (forgot-password) or an invitation's
 * set-password link, which also proves the mailbox and so verifies the email. Every session of the
 * user ends and every access token issued so far stops working: whoever knew the old password is out.
 */
export async function resetPassword(deps: Deps, input: { token: string; password: string }, meta: RequestMeta): Promise<User> {
  assertLinkShape(input.token, 'password_reset');
  // One transaction: the token row stays locked while the hash is computed, so a second request with
  // the same token waits and then finds it used. Only a valid token gets this far, so the lock is rare.
  const { user, revoked } = await deps.runInTx(async (tx) => {
    const link = await claimLinkToken(deps, tx, input.token, ['reset_password', 'set_password'], 'password_reset');
    const current = await deps.users.findByIdForUpdate(tx, link.userId);
    if (!current || current.status === 'deleted') throw authErrors.accountDeleted();
    if (current.status === 'banned') throw authErrors.accountBanned();
    const issues = checkPassword(deps.passwordPolicy, input.password, current.email);
    if (issues.length > 0) throw validationError(issues);

    const passwordHash = await deps.hasher.hash(input.password);
    const invitation = link.purpose === 'set_password';
    await deps.oneTimeTokens.markUsed(tx, link.id);
    // Other outstanding links are moot now (and verification too, once an invitation proved the mailbox).
    await deps.oneTimeTokens.invalidateUnused(tx, current.id, invitation ? ['reset_password', 'set_password', 'verify_email'] : ['reset_password', 'set_password']);
    const updated = await deps.users.setPassword(tx, current.id, passwordHash, { verifyEmail: invitation });
    const revokedIds = await deps.sessions.revokeAllForUser(tx, current.id, REVOKE_REASONS.passwordReset);
    await deps.audit.record(tx, {
      event: invitation ? AUDIT_EVENTS.passwordSet : AUDIT_EVENTS.passwordReset, userId: current.id, actorId: current.id, meta,
      details: { token_id: link.id, sessions_revoked: revokedIds.length, email_verified: updated.emailVerified },
    });
    return { user: updated, revoked: revokedIds };
  });
  await deps.revocations.revokeUser(user.id, deps.now());
  await deps.revocations.revokeSessions(revoked);
  return user;
}
