import { accountErrors } from '../domain/account-errors.ts';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { validationError } from '../domain/field-issue.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import { assertLinkShape, claimLinkToken } from './one-time-links.ts';
import type { Tx } from './ports.ts';
import { requestEmailVerification } from './register.ts';
import { waitUntilElapsed } from './response-floor.ts';

/** Marks the email verified with a single-use link; a second use of the same link is refused. */
export async function verifyEmail(deps: Pick<AuthDeps, 'runInTx' | 'users' | 'oneTimeTokens' | 'audit' | 'now'>, token: string, meta: RequestMeta): Promise<User> {
  assertLinkShape(token, 'email_verification');
  return deps.runInTx(async (tx) => {
    const link = await claimLinkToken(deps, tx, token, ['verify_email'], 'email_verification');
    const user = await deps.users.findByIdForUpdate(tx, link.userId);
    if (!user || user.status === 'deleted') throw authErrors.accountDeleted();
    if (user.status === 'banned') throw authErrors.accountBanned();
    await deps.oneTimeTokens.markUsed(tx, link.id);
    await deps.oneTimeTokens.invalidateUnused(tx, user.id, ['verify_email']);
    const verified = user.emailVerified ? user : await deps.users.markEmailVerified(tx, user.id);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.emailVerified, userId: user.id, actorId: user.id, meta, details: { token_id: link.id, email: user.email } });
    return verified;
  });
}

type ResendDeps = Pick<AuthDeps, 'db' | 'runInTx' | 'users' | 'oneTimeTokens' | 'audit' | 'outbox' | 'mailLimiter' | 'settings' | 'now'>;

/** A fresh verification link (the older ones stop working) for an active, unverified account. */
async function sendNewLink(deps: ResendDeps, tx: Tx, user: User, meta: RequestMeta): Promise<void> {
  await deps.oneTimeTokens.invalidateUnused(tx, user.id, ['verify_email']);
  await requestEmailVerification(deps, tx, user, meta);
}

/** The signed-in user asks again; they know their own state, so "already verified" is a 409. */
export async function resendVerificationForUser(deps: ResendDeps, userId: string, meta: RequestMeta): Promise<void> {
  const user = await deps.users.findById(deps.db, userId);
  if (!user || user.status === 'deleted') throw authErrors.accountDeleted();
  if (user.status === 'banned') throw authErrors.accountBanned();
  if (user.emailVerified) throw accountErrors.emailAlreadyVerified();
  const limit = await deps.mailLimiter.consume('verify_email_resend', user.email, meta.ip);
  if (!limit.allowed) throw accountErrors.tooManyRequests(limit.retryAfterS);
  await deps.runInTx((tx) => sendNewLink(deps, tx, user, meta));
}

/** Anonymous resend by email: the same answer after the same minimum time, whatever the account's state. */
export async function resendVerificationByEmail(deps: ResendDeps, rawEmail: string, meta: RequestMeta): Promise<void> {
  const startedAt = performance.now();
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) throw validationError([{ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' }]);
  const limit = await deps.mailLimiter.consume('verify_email_resend', email, meta.ip);
  if (!limit.allowed) throw accountErrors.tooManyRequests(limit.retryAfterS);

  try {
    await deps.runInTx(async (tx) => {
      const user = await deps.users.findByEmail(tx, email);
      if (user && user.status === 'active' && !user.emailVerified) return sendNewLink(deps, tx, user, meta);
      const outcome = !user ? 'unknown_email' : user.status !== 'active' ? user.status : 'already_verified';
      await deps.audit.record(tx, { event: AUDIT_EVENTS.emailVerificationRequested, userId: user?.id ?? null, meta, details: { email, outcome } });
    });
  } finally {
    await waitUntilElapsed(startedAt, deps.settings.mailRequestMinMs);
  }
}
