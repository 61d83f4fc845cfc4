import { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';

/**
 * No offline queue and a short command timeout: while Redis is down a command fails in
 * milliseconds instead of queueing for seconds (guide §12), so lockout fails open and
 * revocation writes surface as errors at once.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: 1_000,
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

/** Resolves once the client is connected (the offline queue is off, so commands before that would fail). */
export function redisReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => { clearTimeout(timer); resolve(); });
  });
}
