import type { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';
import { createRedisClient as createSharedRedisClient } from '@platform/shared/redis';

export { redisReady } from '@platform/shared/redis';

/**
 * The shared client with a 500 ms command timeout, so `fault_tolerant` lets a request through at once
 * while Redis is down, and auto-pipelining: the commands concurrent requests issue in one event-loop
 * tick go out in one socket write (profiles showed ≈40 µs of socket writes per request without it).
 */
export const createRedisClient = (url: string, logger: Logger): Redis =>
  createSharedRedisClient(url, logger, { commandTimeoutMs: 500, autoPipelining: true });
