import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type request from 'supertest';
import { expect } from 'vitest';
import {
  connectBroker, consumerQueueNames, startConsumers, startOutboxRelay, type Broker, type Consumers, type EventEnvelope, type OutboxRelay,
} from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { buildApp, type AppDeps } from '../src/app.ts';
import { createChannels, type Channels } from '../src/channels-wiring.ts';
import { loadNotificationConfig, type NotificationConfig } from '../src/config.ts';
import { createConsumers } from '../src/infra/consumers/index.ts';
import { createRabbitDeadLetterStore } from '../src/infra/rabbit-dead-letter-store.ts';
import { alertDeadLetter } from '../src/usecases/alert-dead-letter.ts';
import type { NotificationDeps } from '../src/usecases/deps.ts';
import { createNotificationDeps } from '../src/wiring.ts';
import { startFakeUserService, type FakeUser, type FakeUserService } from './support/fake-user-service.ts';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.ts';
import { createTestTokens, TEST_ISSUER, type TestActor } from './support/tokens.ts';

export const API = '/api/v1';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** A dev/test WEBHOOK_SECRET_KEY (never used outside tests and local runs). */
export const TEST_WEBHOOK_KEY = '6e6f74696669636174696f6e2d746573742d6b65792d3332627974657321212e';
/** Short waits so retries happen within a test. */
export const TEST_RETRY_DELAYS = [100, 200, 300];

export type TestApp = {
  app: Express;
  db: TestDatabase;
  redis: Redis;
  broker: Broker;
  deps: NotificationDeps & { close(): void };
  /** Webhooks, inbox and live push (dispatcher running). */
  channels: Channels;
  appDeps: AppDeps;
  config: NotificationConfig;
  smtp: SmtpReceiver;
  users: FakeUserService;
  /** Operations alerts posted to OPS_ALERT_WEBHOOK_URL ({text}). */
  alerts: { text: string }[];
  prefix: string;
  /** Queue name of a consumer by id (verify-email …). */
  queue(id: string): string;
  tokens: ReturnType<typeof createTestTokens>;
  bearer(actor: TestActor): string;
  /** A unique email for this file and call. */
  email(label?: string): string;
  /** A user known to the fake user service. */
  user(opts?: Partial<FakeUser>): FakeUser;
  /** Resolves once the consumer `queueId` (verify-email …) committed the event (its inbox row). */
  handled(queueId: string, eventId: string): Promise<void>;
  /** Publishes an envelope to the test's exchange as the relay would. */
  publish(envelope: EventEnvelope, opts?: { messageId?: string }): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of the service's tables, to assert that a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  stop(): Promise<void>;
};

const SNAPSHOT_TABLES = ['notifications', 'preferences', 'deliveries', 'webhooks', 'webhook_deliveries', 'outbox'];

/**
 * The service wired as main.ts does, over a database of its own, a per-file exchange and queue
 * prefix, a real SMTP server (smtp-server) collecting parsed mails, a fake user service, and a
 * tiny ops-alert webhook receiver. Consumers run unless `consumers: false`.
 */
export async function startTestApp(env: Record<string, string> = {}, opts: { consumers?: boolean } = {}): Promise<TestApp> {
  const prefix = testPrefix('notif');
  const db = await createTestDatabase();
  const smtp = await startSmtpReceiver();
  const users = await startFakeUserService();
  const alerts: { text: string }[] = [];
  const alertServer = await startAlertReceiver(alerts);
  const tokens = createTestTokens();
  const config = loadNotificationConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    AMQP_URL,
    EVENTS_EXCHANGE: `${prefix}.events`,
    SERVICE_CLIENT_SECRET: 'test-notification-secret',
    SMTP_URL: smtp.url,
    USER_SERVICE_URL: users.url,
    USER_SERVICE_TIMEOUT_MS: '500',
    PUBLIC_APP_URL: 'http://app.test',
    WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    OPS_ALERT_WEBHOOK_URL: alertServer.url,
    ADMIN_ALERT_EMAILS: `ops.${prefix}@example.com`,
    EVENT_QUEUE_PREFIX: prefix,
    EVENT_RETRY_DELAYS_MS: TEST_RETRY_DELAYS.join(','),
    JWT_ISSUER: TEST_ISSUER,
    ...env,
  });
  const logger = createLogger({ service: 'notification', level: process.env.TEST_LOG_LEVEL ?? 'error', silent: !process.env.TEST_LOG_LEVEL });
  const redis = createRedisClient(config.REDIS_URL, logger);
  await redisReady(redis);
  const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
  const subscriber = createRedisClient(config.REDIS_URL, logger);
  await redisReady(subscriber);
  const channels = createChannels({ config, pool: db.pool, redis, subscriber, logger });
  const deps = createNotificationDeps({ config, pool: db.pool, logger, getServiceToken: async () => 'test-service-token', listeners: channels.listeners });
  const { defs, queues } = createConsumers(deps, config.EVENT_QUEUE_PREFIX, channels.consumers);
  const relay: OutboxRelay = startOutboxRelay({ pool: db.pool, broker, schema: 'notifications', logger, pollMs: 50 });
  let consumers: Consumers | undefined;
  if (opts.consumers !== false) {
    consumers = await startConsumers(broker, defs, {
      pool: db.pool, schema: 'notifications', logger, retryDelaysMs: config.EVENT_RETRY_DELAYS_MS, concurrency: 3,
      onDeadLetter: (info) => alertDeadLetter(deps.alerter, info),
    });
  }
  const appDeps: AppDeps = {
    ...deps,
    auth: { issuer: TEST_ISSUER, getKey: tokens.getKey, redis },
    deadLetters: createRabbitDeadLetterStore(broker),
    queues,
    routers: channels.routers,
    checks: [{ name: 'postgres', check: () => db.pool.query('SELECT 1') }],
  };
  const app = buildApp(appDeps);
  channels.startDispatcher(deps);

  let n = 0;
  const rows = async <T,>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const t: TestApp = {
    app, db, redis, broker, deps, channels, appDeps, config, smtp, users, alerts, prefix, tokens,
    queue: (id) => queues.get(id)!.queue,
    bearer: tokens.bearer,
    email: (label = 'user') => `${label}.${prefix}.${++n}@example.com`.toLowerCase(),
    user(o = {}) {
      return users.add({ id: randomUUID(), email: t.email(), display_name: `User ${n}`, locale: null, status: 'active', ...o });
    },
    async handled(queueId, eventId) {
      const consumer = queues.get(queueId)!.queue;
      await waitFor(async () => (await rows('SELECT 1 FROM notifications.inbox WHERE consumer = $1 AND event_id = $2', [consumer, eventId])).length > 0,
        { what: `${queueId} to handle ${eventId}` });
    },
    async publish(envelope, { messageId = envelope.id } = {}) {
      await broker.publish(envelope.type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true, messageId, contentType: 'application/json', headers: { 'x-request-id': `req-${randomBytes(4).toString('hex')}` },
      });
    },
    rows,
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const table of SNAPSHOT_TABLES) {
        out[table] = (await rows<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM notifications.${table} t ORDER BY 1`)).map((x) => x.r);
      }
      return out;
    },
    async stop() {
      await channels.stop();
      await consumers?.stop();
      await relay.stop();
      await deleteQueues(broker, [...queues.values()].flatMap((q) => consumerQueueNames(q.queue, config.EVENT_RETRY_DELAYS_MS)), config.EVENTS_EXCHANGE);
      await broker.close();
      deps.close();
      await redis.quit().catch(() => {});
      await Promise.all([smtp.close(), users.close(), alertServer.close()]);
      await db.drop();
    },
  };
  return t;
}

async function deleteQueues(broker: Broker, queues: string[], exchange: string): Promise<void> {
  const conn = broker.manager.connection;
  if (!conn) return;
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  try {
    for (const q of queues) await ch.deleteQueue(q).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
  } finally {
    await ch.close().catch(() => {});
  }
}

async function startAlertReceiver(alerts: { text: string }[]) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      try { alerts.push(JSON.parse(raw) as { text: string }); } catch { /* ignore */ }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ops`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function waitFor<T>(probe: () => Promise<T> | T, { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error envelope every refusal must carry. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code, message: expect.any(String) } });
  expect(res.body.error.request_id).toEqual(expect.any(String));
}
