import type { Redis } from 'ioredis';
import { revocationKeys } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import type { RevocationList } from '../usecases/ports.ts';

// The database change has committed by then and repeating the request is safe, so the client is told to retry.
const unavailable = (cause: unknown) => new AppError('SYS_003', 'Could not record the revocation; try again', { cause, headers: { 'Retry-After': '1' } });

/**
 * The denylist every service's authenticate() middleware reads, so a logout or revocation takes
 * effect before the access token expires. Entries outlive the longest access token and then vanish.
 */
export function createRedisRevocationList({ redis, accessTokenTtlS }: { redis: Redis; accessTokenTtlS: number }): RevocationList {
  const ttl = accessTokenTtlS + 60;
  return {
    async revokeSessions(sessionIds) {
      if (sessionIds.length === 0) return;
      const batch = redis.multi();
      for (const sid of sessionIds) batch.set(revocationKeys.sessionKey(sid), '1', 'EX', ttl);
      let results: [Error | null, unknown][] | null;
      try {
        results = await batch.exec();
      } catch (err) {
        throw unavailable(err);
      }
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw unavailable(failed?.[0]);
    },
    async revokeUser(userId, at) {
      // The key revokes tokens with iat <= T, and iat has whole seconds. T = now would also kill a token
      // issued later in this same second (a login right after logout-all); T = the previous second
      // leaves that second to the per-session keys, which the callers write for every revoked session.
      const t = Math.floor(at.getTime() / 1000) - 1;
      await redis.set(revocationKeys.userKey(userId), String(t), 'EX', ttl).catch((err: unknown) => { throw unavailable(err); });
    },
  };
}
