import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '@platform/shared/logger';
import type { MailRequestLimiter } from '../usecases/ports.ts';

type Options = { redis: Redis; points: number; windowS: number; logger: Logger; keyPrefix?: string };

/**
 * Requests that make the service send mail (forgot-password, verification resend), counted per
 * action, email and IP, so nobody can flood a mailbox through us. Like the login limiter it fails
 * open when Redis is down: the mail flows keep working and a warning is logged.
 */
export function createRedisMailRequestLimiter({ redis, points, windowS, logger, keyPrefix = 'auth:mail-req' }: Options): MailRequestLimiter {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: windowS, rejectIfRedisNotReady: true });
  // A digest, so emails do not sit in Redis in clear.
  const keyOf = (action: string, email: string, ip: string | null) => createHash('sha256').update(`${action}\n${email}\n${ip ?? ''}`).digest('base64url');

  return {
    async consume(action, email, ip) {
      try {
        await limiter.consume(keyOf(action, email, ip));
        return { allowed: true };
      } catch (err) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the points are spent, with an Error when Redis failed.
        if (err instanceof RateLimiterRes) return { allowed: false, retryAfterS: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        logger.warn('mail request limiter unavailable; limit not enforced', { err });
        return { allowed: true };
      }
    },
  };
}
