import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type request from 'supertest';
import { expect } from 'vitest';
import { connectBroker, consumerQueueNames, type Broker } from '@platform/shared/events';
import { createLogger, type Logger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { createServiceClient, type ServiceClient } from '@platform/shared/service-client';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { buildApp } from '../src/app.ts';
import { createChangeFeed, startChangeFeedWorkers, type ChangeFeed, type ChangeFeedWorkers } from '../src/change-feed-wiring.ts';
import type { ChangeLogRetry } from '../src/infra/consumers/change-log-consumers.ts';
import { loadSyncConfig, type SyncConfig } from '../src/config.ts';
import { startJobWorker, type JobWorker } from '../src/infra/job-worker.ts';
import { startScheduler, type Scheduler } from '../src/infra/scheduler.ts';
import type { SyncDeps } from '../src/usecases/deps.ts';
import { createSyncDeps } from '../src/wiring.ts';

export const API = '/api/v1';
const ISSUER = 'platform-auth';
const KID = 'sync-test';

export type Role = 'user' | 'admin' | 'service';

export type TestApp = {
  app: Express;
  db: TestDatabase;
  redis: Redis;
  broker: Broker;
  deps: SyncDeps;
  config: SyncConfig;
  prefix: string;
  /** Everything the service logged (JSON lines), to check that no secret leaks. */
  logs: string[];
  /** A signed access token, as auth would issue. */
  token(role?: Role, sub?: string): string;
  admin: string;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of the service's tables, to assert that a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  outbox(type?: string): Promise<{ type: string; envelope: { id: string; type: string; subject?: string; data: Record<string, unknown> } }[]>;
  /** Starts a job worker (competing consumer) on this app's queue. */
  startWorker(name?: string): JobWorker;
  startScheduler(): Scheduler;
  /** The change feed's adapters (its routes are mounted on app). */
  changeFeed: ChangeFeed;
  /** Starts the change log's consumers and retention job (queues under this app's prefix). */
  startChangeFeed(retry?: ChangeLogRetry): Promise<ChangeFeedWorkers>;
  stop(): Promise<void>;
};

const SNAPSHOT_TABLES = ['connections', 'jobs', 'job_errors', 'seen_records', 'outbox'];

export type TestAppOptions = {
  env?: Record<string, string>;
  /** Base URL of the (fake) user service. */
  userServiceUrl?: string;
  fileServiceUrl?: string;
};

/** A logger whose lines are kept in memory (and printed only with TEST_LOGS=1). */
function captureLogger(logs: string[]): Logger {
  const logger = createLogger({ service: 'sync', level: 'debug', silent: false });
  for (const t of logger.transports) t.silent = !process.env.TEST_LOGS;
  logger.on('data', (info: unknown) => logs.push(JSON.stringify(info)));
  return logger;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const prefix = testPrefix('sync');
  const db = await createTestDatabase();
  const config = loadSyncConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    AMQP_URL: process.env.AMQP_URL,
    SYNC_SECRET_KEY: randomBytes(32).toString('base64'),
    SERVICE_CLIENT_SECRET: 'test-secret-1234567890',
    EVENTS_EXCHANGE: `${prefix}.events`,
    SYNC_JOB_QUEUE: `${prefix}.jobs`,
    USER_SERVICE_URL: opts.userServiceUrl ?? 'http://127.0.0.1:9',
    FILE_SERVICE_URL: opts.fileServiceUrl ?? 'http://127.0.0.1:9',
    SYNC_BACKOFF_INITIAL_MS: '50',
    SYNC_BACKOFF_MAX_MS: '200',
    SYNC_HEARTBEAT_MS: '100',
    SYNC_JOB_STALE_MS: '1500',
    SYNC_SWEEP_MS: '200',
    USER_SERVICE_TIMEOUT_MS: '2000',
    PROVIDER_TIMEOUT_MS: '2000',
    EVENT_QUEUE_PREFIX: prefix,
    CHANGE_SIGNAL_CHANNEL: `${prefix}:changes`,
    CHANGE_STREAM_HEARTBEAT_MS: '300',
    CHANGE_STREAM_POLL_MS: '1000',
    ...opts.env,
  });
  const logs: string[] = [];
  const logger = captureLogger(logs);
  const redis = createRedisClient(config.REDIS_URL, logger);
  await redisReady(redis);
  const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
  const apiOf = (name: string, baseUrl: string): ServiceClient =>
    createServiceClient({ name: `${name}-${prefix}`, baseUrl, timeoutMs: 2_000, retries: 0, getToken: async () => 'svc-token', logger, breaker: { resetTimeoutMs: 200 } });
  const apis = { userApi: apiOf('user', config.USER_SERVICE_URL), fileApi: apiOf('file', config.FILE_SERVICE_URL) };
  const deps = createSyncDeps({ config, pool: db.pool, broker, logger, apis });
  const changeFeed = createChangeFeed({ config, pool: db.pool, redis, userApi: apis.userApi, logger });

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = buildApp({
    ...deps, redis, changeFeed,
    auth: { issuer: ISSUER, getKey: async (kid) => (kid === KID ? publicKey : undefined) },
    checks: [{ name: 'postgres', check: () => db.pool.query('SELECT 1') }],
    jobEventsPollMs: 50,
  });

  const now = () => Math.floor(Date.now() / 1000);
  const token = (role: Role = 'admin', sub: string = randomUUID()) => jwt.sign(
    { iss: ISSUER, sub, role, ...(role !== 'service' && { sid: randomUUID() }), jti: randomUUID(), iat: now(), exp: now() + 900 },
    privateKey, { algorithm: 'RS256', keyid: KID });

  const workers: JobWorker[] = [];
  const schedulers: Scheduler[] = [];
  const feedWorkers: { workers: ChangeFeedWorkers; queues: string[] }[] = [];
  const rows = async <T,>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  return {
    app, db, redis, broker, deps, config, prefix, logs, token,
    admin: token('admin'),
    rows,
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const table of SNAPSHOT_TABLES) {
        out[table] = (await rows<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM sync.${table} t ORDER BY 1`)).map((x) => x.r);
      }
      return out;
    },
    async outbox(type) {
      return rows(`SELECT type, envelope FROM sync.outbox ${type ? 'WHERE type = $1' : ''} ORDER BY seq`, type ? [type] : []);
    },
    startWorker(name = 'w1') {
      const w = startJobWorker({ broker, queue: config.SYNC_JOB_QUEUE, concurrency: 2, deps, logger, worker: `${prefix}-${name}` });
      workers.push(w);
      return w;
    },
    changeFeed,
    async startChangeFeed(retry) {
      const workers = await startChangeFeedWorkers({ feed: changeFeed, config, pool: db.pool, broker, logger, ...(retry && { retry }) });
      const queues = ['user.created', 'user.updated', 'user.role_changed', 'user.banned', 'user.unbanned', 'user.deleted', 'file.uploaded', 'file.deleted']
        .flatMap((type) => consumerQueueNames(`${prefix}.change-log.${type}`, retry?.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000, 300_000]));
      feedWorkers.push({ workers, queues });
      return workers;
    },
    startScheduler() {
      const s = startScheduler({ pool: db.pool, deps, logger, sweepMs: config.SYNC_SWEEP_MS, fullRunEveryMs: config.SYNC_FULL_RUN_EVERY_H * 3600_000 });
      schedulers.push(s);
      return s;
    },
    async stop() {
      await Promise.allSettled(schedulers.map((s) => s.stop()));
      await Promise.allSettled(workers.map((w) => w.stop()));
      await Promise.allSettled(feedWorkers.map((f) => f.workers.stop()));
      await changeFeed.signal.close();
      const feedQueues = feedWorkers.flatMap((f) => f.queues);
      if (feedQueues.length > 0) {
        const dropQueues = broker.openChannel('cleanup-feed', async (ch) => { for (const q of feedQueues) await ch.deleteQueue(q); });
        await dropQueues.waitForOpen(5_000).catch(() => {});
        await dropQueues.close();
      }
      const cleanup = broker.openChannel('cleanup', async (ch) => { await ch.deleteQueue(config.SYNC_JOB_QUEUE); });
      await cleanup.waitForOpen(5_000).catch(() => {});
      await cleanup.close();
      await broker.close().catch(() => {});
      await redis.quit().catch(() => {});
      await db.drop();
    },
  };
}

/** The error envelope every refusal must carry. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code, message: expect.any(String) } });
  expect(res.body.error.request_id).toEqual(expect.any(String));
}

export const bearer = (token: string) => `Bearer ${token}`;

/** Polls until fn returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {}): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
