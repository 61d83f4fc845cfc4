import { userRegistered, authEmailVerificationRequested } from '@platform/shared/events';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { validationError, type FieldIssue } from '../domain/field-issue.ts';
import { generateOpaqueToken, hashToken } from '../domain/opaque-token.ts';
import { checkPassword } from '../domain/password-policy.ts';
import { normalizeDisplayName, type User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import { openSession, type SessionTokens } from './session-tokens.ts';
import type { Tx } from './ports.ts';

export type RegisterInput = { email: string; password: string; displayName: string };

type Deps = Pick<AuthDeps, 'db' | 'runInTx' | 'users' | 'sessions' | 'oneTimeTokens' | 'audit' | 'outbox' | 'hasher' | 'signer'
  | 'passwordPolicy' | 'settings' | 'now'>;

/** Creates the account and its first session; the welcome and verification emails follow from the events. */
export async function register(deps: Deps, input: RegisterInput, meta: RequestMeta): Promise<{ user: User; tokens: SessionTokens }> {
  const email = normalizeEmail(input.email);
  const issues: FieldIssue[] = [];
  if (!isValidEmail(email)) issues.push({ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' });
  issues.push(...checkPassword(deps.passwordPolicy, input.password, email));
  if (issues.length > 0) throw validationError(issues);

  // Checked before hashing so a duplicate does not cost 25 ms of argon2; the unique key still decides races.
  if (await deps.users.findByEmail(deps.db, email)) throw authErrors.emailTaken();
  const passwordHash = await deps.hasher.hash(input.password);

  return deps.runInTx(async (tx) => {
    const user = await deps.users.insert(tx, { email, passwordHash, displayName: normalizeDisplayName(input.displayName), role: 'user', emailVerified: false });
    const { tokens, sessionId } = await openSession(deps, tx, user, meta);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.register, userId: user.id, actorId: user.id, meta, details: { session_id: sessionId } });
    await deps.outbox.add(tx, userRegistered.create(
      { user_id: user.id, email: user.email, display_name: user.displayName, role: user.role, email_verified: user.emailVerified },
      { source: 'auth', subject: user.id },
    ));
    await requestEmailVerification(deps, tx, user, meta);
    return { user, tokens };
  });
}

/** Stores a single-use verification token (hashed) and asks, via the outbox, for the email carrying it. */
export async function requestEmailVerification(
  deps: Pick<AuthDeps, 'oneTimeTokens' | 'audit' | 'outbox' | 'settings' | 'now'>,
  tx: Tx,
  user: Pick<User, 'id' | 'email' | 'displayName'>,
  meta: RequestMeta,
): Promise<void> {
  const token = generateOpaqueToken();
  const expiresAt = new Date(deps.now().getTime() + deps.settings.emailVerificationTtlS * 1000);
  await deps.oneTimeTokens.create(tx, { userId: user.id, purpose: 'verify_email', tokenHash: hashToken(token), expiresAt });
  await deps.audit.record(tx, { event: AUDIT_EVENTS.emailVerificationRequested, userId: user.id, meta });
  await deps.outbox.add(tx, authEmailVerificationRequested.create(
    { user_id: user.id, email: user.email, display_name: user.displayName, token, expires_at: expiresAt.toISOString() },
    { source: 'auth', subject: user.id },
  ));
}
