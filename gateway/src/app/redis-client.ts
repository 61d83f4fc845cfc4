import { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';

/**
 * No offline queue and a short command timeout (guide §12): while Redis is down a rate-limit
 * command fails in milliseconds, so `fault_tolerant` can let the request through at once.
 * Auto-pipelining: the commands concurrent requests issue in one event-loop tick go out in one
 * socket write (profiles showed ≈40 µs of socket writes per request without it).
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.warn('redis unavailable', { err });
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reconnected');
    down = false;
  });
  return redis;
}

/** Resolves once the client is connected (commands before that fail, the offline queue being off). */
export function redisReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
