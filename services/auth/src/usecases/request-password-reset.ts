import { authPasswordResetRequested } from '@platform/shared/events';
import { accountErrors } from '../domain/account-errors.ts';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { validationError } from '../domain/field-issue.ts';
import type { AuthDeps } from './deps.ts';
import { issueLinkToken } from './one-time-links.ts';
import { waitUntilElapsed } from './response-floor.ts';

type Deps = Pick<AuthDeps, 'runInTx' | 'users' | 'oneTimeTokens' | 'audit' | 'outbox' | 'mailLimiter' | 'settings' | 'now'>;

/**
 * forgot-password. The caller always gets the same answer after the same minimum time; only an
 * active account gets a reset link (via auth.password_reset_requested), and only the newest link works.
 */
export async function requestPasswordReset(deps: Deps, rawEmail: string, meta: RequestMeta): Promise<void> {
  const startedAt = performance.now();
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) throw validationError([{ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' }]);
  const limit = await deps.mailLimiter.consume('forgot_password', email, meta.ip);
  if (!limit.allowed) throw accountErrors.tooManyRequests(limit.retryAfterS);

  try {
    await deps.runInTx(async (tx) => {
      const user = await deps.users.findByEmail(tx, email);
      if (!user || user.status !== 'active') {
        // Audited too (it is how an admin sees someone probing emails), and costs a similar write.
        await deps.audit.record(tx, {
          event: AUDIT_EVENTS.passwordResetRequested, userId: user?.id ?? null, meta, details: { email, outcome: user ? user.status : 'unknown_email' },
        });
        return;
      }
      const { token, expiresAt } = await issueLinkToken(deps, tx, user.id, 'reset_password', deps.settings.passwordResetTtlS);
      await deps.audit.record(tx, { event: AUDIT_EVENTS.passwordResetRequested, userId: user.id, meta, details: { email, outcome: 'sent' } });
      await deps.outbox.add(tx, authPasswordResetRequested.create(
        { user_id: user.id, email: user.email, display_name: user.displayName, token, expires_at: expiresAt.toISOString() },
        { source: 'auth', subject: user.id },
      ));
    });
  } finally {
    await waitUntilElapsed(startedAt, deps.settings.mailRequestMinMs);
  }
}
