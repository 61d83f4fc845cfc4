import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error.ts';
import { revocationKeys } from './revocation-keys.ts';

type Claims = { sub: string; sid?: string | undefined; iat: number };

const unavailable = (cause: unknown) => new AppError('SYS_003', 'Cannot check token revocation right now', { cause });

/**
 * Throws AUTH_001 when the token's session or user was revoked. Fails closed: if Redis does not answer
 * within timeoutMs the request gets SYS_003 (503), because ioredis would otherwise queue the command
 * for as long as Redis is down (guide §12) and a revoked token must never pass for lack of an answer.
 */
export async function checkRevocation(redis: Redis, claims: Claims, timeoutMs: number): Promise<void> {
  const keys = claims.sid ? [revocationKeys.userKey(claims.sub), revocationKeys.sessionKey(claims.sid)] : [revocationKeys.userKey(claims.sub)];
  let timer: NodeJS.Timeout | undefined;
  let values: (string | null)[];
  try {
    const lookup = redis.mget(...keys);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`revocation lookup took over ${timeoutMs} ms`)), timeoutMs);
    });
    lookup.catch(() => {}); // it may still reject after the timeout won
    values = await Promise.race([lookup, timeout]);
  } catch (err) {
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
  const [revokedBefore, sessionRevoked] = values;
  if (sessionRevoked !== null && sessionRevoked !== undefined) throw new AppError('AUTH_001', 'Session has been revoked');
  // A value that is not a number cannot be compared, so it revokes too (closed, not open).
  if (revokedBefore !== null && revokedBefore !== undefined && !(claims.iat > Number(revokedBefore))) {
    throw new AppError('AUTH_001', 'Token has been revoked');
  }
}
