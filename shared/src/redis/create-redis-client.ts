import { Redis } from 'ioredis';
import type { Logger } from '../logger/create-logger.ts';

export type RedisClientOptions = { commandTimeoutMs?: number; autoPipelining?: boolean };

/**
 * No offline queue and a short command timeout (guide §12): while Redis is down a command fails in
 * milliseconds instead of queueing for seconds, so callers that fail open (lockout, rate limits)
 * do so at once and writes that must not be lost (revocations) surface as errors. One warning per
 * outage, one line when it is back.
 */
export function createRedisClient(url: string, logger: Logger, { commandTimeoutMs = 1_000, autoPipelining = false }: RedisClientOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    enableAutoPipelining: autoPipelining,
    commandTimeout: commandTimeoutMs,
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
