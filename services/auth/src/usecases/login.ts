import { authLoginLocked } from '@platform/shared/events';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { validationError } from '../domain/field-issue.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import { openSession, type SessionTokens } from './session-tokens.ts';

export type LoginInput = { email: string; password: string };

type Deps = Pick<AuthDeps, 'db' | 'runInTx' | 'users' | 'sessions' | 'audit' | 'outbox' | 'hasher' | 'signer' | 'limiter' | 'settings' | 'now' | 'logger'>;

export async function login(deps: Deps, input: LoginInput, meta: RequestMeta): Promise<{ user: User; tokens: SessionTokens }> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw validationError([{ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' }]);

  // A locked pair is refused before argon2 runs, so a lock also stops the CPU cost of guessing.
  const lock = await deps.limiter.check(email, meta.ip);
  if (lock.locked) {
    await deps.audit.record(deps.db, { event: AUDIT_EVENTS.loginFailed, meta, details: { email, reason: 'locked' } });
    throw authErrors.locked(lock.retryAfterS);
  }

  const user = await deps.users.findByEmail(deps.db, email);
  // Unknown emails still run a verify (against a dummy hash) so response time does not reveal which accounts exist.
  const passwordOk = await deps.hasher.verify(user?.passwordHash ?? null, input.password);
  if (!user || !passwordOk) return failLogin(deps, email, user, meta);

  // Status is revealed only to someone who knows the password.
  if (user.status === 'banned') {
    await deps.audit.record(deps.db, { event: AUDIT_EVENTS.loginFailed, userId: user.id, meta, details: { email, reason: 'banned' } });
    throw authErrors.accountBanned();
  }
  if (user.status === 'deleted') {
    await deps.audit.record(deps.db, { event: AUDIT_EVENTS.loginFailed, userId: user.id, meta, details: { email, reason: 'deleted' } });
    throw authErrors.accountDeleted();
  }

  await deps.limiter.reset(email, meta.ip);
  // Hashes made with older parameters are upgraded while the password is at hand.
  const rehash = user.passwordHash && deps.hasher.needsRehash(user.passwordHash) ? await deps.hasher.hash(input.password) : undefined;
  const tokens = await deps.runInTx(async (tx) => {
    const opened = await openSession(deps, tx, user, meta);
    await deps.users.recordLogin(tx, user.id, rehash);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.loginSuccess, userId: user.id, actorId: user.id, meta, details: { session_id: opened.sessionId } });
    return opened.tokens;
  });
  return { user, tokens };
}

async function failLogin(deps: Deps, email: string, user: User | null, meta: RequestMeta): Promise<never> {
  const reason = !user ? 'unknown_email' : user.passwordHash === null ? 'no_password' : 'wrong_password';
  const failure = await deps.limiter.recordFailure(email, meta.ip);
  const failed = { event: AUDIT_EVENTS.loginFailed, userId: user?.id ?? null, meta, details: { email, reason, failures: failure.failures } };
  if (!failure.justLocked) {
    await deps.audit.record(deps.db, failed);
    // A failure racing the one that locked the pair is refused like any attempt during the lock.
    throw failure.locked ? authErrors.locked(failure.retryAfterS) : authErrors.invalidCredentials();
  }
  const lockedUntil = new Date(deps.now().getTime() + failure.retryAfterS * 1000).toISOString();
  await deps.runInTx(async (tx) => {
    await deps.audit.record(tx, failed);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.loginLocked, userId: user?.id ?? null, meta, details: { email, failures: failure.failures, locked_until: lockedUntil } });
    await deps.outbox.add(tx, authLoginLocked.create(
      { email, ip: meta.ip ?? 'unknown', user_id: user?.id ?? null, failures: failure.failures, locked_until: lockedUntil },
      { source: 'auth', ...(user && { subject: user.id }) },
    ));
  });
  deps.logger.warn('login locked', { user_id: user?.id ?? null, ip: meta.ip, failures: failure.failures });
  throw authErrors.locked(failure.retryAfterS);
}
