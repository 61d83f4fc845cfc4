import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '@platform/shared/logger';
import type { LoginLimiter } from '../usecases/ports.ts';

type Options = { redis: Redis; maxFailures: number; windowS: number; logger: Logger; keyPrefix?: string };

/**
 * Failed logins per email+IP pair in Redis. Reaching `maxFailures` within `windowS` blocks the pair
 * for a full `windowS` from that moment. When Redis is down the limiter fails open (logins keep
 * working, unprotected, and a warning is logged): the client has no offline queue, so that is fast.
 */
export function createRedisLoginLimiter({ redis, maxFailures, windowS, logger, keyPrefix = 'auth:login-fail' }: Options): LoginLimiter {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points: maxFailures, duration: windowS, rejectIfRedisNotReady: true });
  // The key is a digest so emails do not sit in Redis in clear.
  const keyOf = (email: string, ip: string | null) => createHash('sha256').update(`${email}\n${ip ?? ''}`).digest('base64url');
  const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  const failOpen = (err: unknown) => logger.warn('login limiter unavailable; lockout not enforced', { err });

  return {
    async check(email, ip) {
      try {
        const res = await limiter.get(keyOf(email, ip));
        return res && res.consumedPoints >= maxFailures ? { locked: true, retryAfterS: retryAfter(res.msBeforeNext) } : { locked: false };
      } catch (err) {
        failOpen(err);
        return { locked: false };
      }
    },
    async recordFailure(email, ip) {
      const key = keyOf(email, ip);
      try {
        const res = await limiter.penalty(key, 1);
        const failures = res.consumedPoints;
        if (failures === maxFailures) {
          await limiter.block(key, windowS);
          return { failures, locked: true, justLocked: true, retryAfterS: windowS };
        }
        return { failures, locked: failures > maxFailures, justLocked: false, retryAfterS: retryAfter(res.msBeforeNext) };
      } catch (err) {
        failOpen(err);
        return { failures: 0, locked: false, justLocked: false, retryAfterS: 0 };
      }
    },
    async reset(email, ip) {
      await limiter.delete(keyOf(email, ip)).catch(failOpen);
    },
  };
}
