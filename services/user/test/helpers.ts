import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type request from 'supertest';
import { expect } from 'vitest';
import { revocationKeys } from '@platform/shared/auth';
import {
  connectBroker, consumerQueueNames, startConsumers, startOutboxRelay, type Broker, type ConsumerDef, type EventEnvelope,
} from '@platform/shared/events';
import { createLogger, type Logger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { createServiceClient, createTokenProvider, type ServiceClient } from '@platform/shared/service-client';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { buildApp } from '../src/app.ts';
import { loadUserConfig, type UserConfig } from '../src/config.ts';
import type { UserRole, UserStatus } from '../src/domain/user.ts';
import { onUserRegistered } from '../src/infra/consumers/on-user-registered.ts';
import type { UserDeps } from '../src/usecases/deps.ts';
import { createUserDeps } from '../src/wiring.ts';

export const API = '/api/v1';
export const ISSUER = 'platform-auth';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// ---------------------------------------------------------------------------------------------
// A fake auth: JWKS, client_credentials and GET /internal/users/:id, plus routes a test adds.
// ---------------------------------------------------------------------------------------------

export type AuthIdentity = { id: string; email: string; display_name: string; role: UserRole; status: UserStatus; email_verified: boolean };

export type FakeAuthRequest = { method: string; path: string; body: unknown; authorization: string | undefined; query?: Record<string, string> };
/** Answers with [status, body] (body is wrapped in the success envelope for 2xx unless `raw`). */
export type FakeAuthHandler = (req: FakeAuthRequest, params: string[]) => [number, unknown] | Promise<[number, unknown]>;

export type FakeAuth = {
  url: string;
  jwksUrl: string;
  /** Accounts GET /internal/users/:id knows; tests add and change them. */
  identities: Map<string, AuthIdentity>;
  /** Every request auth received, in order (token requests included). */
  calls: FakeAuthRequest[];
  /** Adds (or replaces) a route, e.g. on('PATCH', /^\/api\/v1\/internal\/users\/([^/]+)$/, …); checked before the built-in ones. */
  on(method: string, path: RegExp, handler: FakeAuthHandler): void;
  /** Every connection (token requests included) is cut without an answer, as if auth were down, until up(). */
  down(): void;
  /** Every request answers this 5xx status until up(). */
  failWith(status: number): void;
  up(): void;
  /** Signs an access token with auth's key. */
  sign(claims: Record<string, unknown>): string;
  close(): Promise<void>;
};

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signJwt(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      try { resolve(text ? JSON.parse(text) : undefined); } catch { resolve(text); }
    });
  });
}

const envelope = (status: number, body: unknown) =>
  status < 400
    ? { success: true, status_code: status, data: body, meta: {} }
    : { success: false, status_code: status, data: null, error: { code: (body as { code?: string })?.code ?? 'SYS_001', message: (body as { message?: string })?.message ?? 'fake auth error' } };

export async function startFakeAuth(): Promise<FakeAuth> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const identities = new Map<string, AuthIdentity>();
  const calls: FakeAuthRequest[] = [];
  const extra: { method: string; path: RegExp; handler: FakeAuthHandler }[] = [];
  let isDown = false;
  let failStatus: number | undefined;
  const signClaims = (claims: Record<string, unknown>) => signJwt(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), kid, claims);

  const builtIn: { method: string; path: RegExp; handler: FakeAuthHandler }[] = [
    { method: 'GET', path: /^\/api\/v1\/public\/auth\/\.well-known\/jwks\.json$/, handler: () => [200, { keys: [jwk] }] },
    {
      method: 'POST', path: /^\/api\/v1\/public\/auth\/token$/,
      handler: (req) => {
        const body = req.body as { client_id?: string; client_secret?: string } | undefined;
        if (!body?.client_id || !body.client_secret) return [401, { code: 'AUTH_001', message: 'Client authentication failed' }];
        const now = Math.floor(Date.now() / 1000);
        const token = signClaims({ iss: ISSUER, sub: body.client_id, role: 'service', jti: randomUUID(), iat: now, exp: now + 900 });
        return [200, { access_token: token, token_type: 'Bearer', expires_in: 900 }];
      },
    },
    {
      method: 'GET', path: /^\/api\/v1\/internal\/users\/([^/]+)$/,
      handler: (req, [id]) => {
        if (!req.authorization?.startsWith('Bearer ')) return [401, { code: 'AUTH_001', message: 'Missing bearer token' }];
        const identity = identities.get(id!);
        return identity ? [200, identity] : [404, { code: 'BIZ_001', message: `User ${id} not found` }];
      },
    },
  ];

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const call = { method: req.method ?? 'GET', path, body, authorization: req.headers.authorization, query: Object.fromEntries(url.searchParams) };
      calls.push(call);
      const answer = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(envelope(status, data)));
      };
      if (isDown) return void req.socket.destroy();
      if (failStatus) return answer(failStatus, { code: 'SYS_001', message: 'auth failed' });
      for (const route of [...extra, ...builtIn]) {
        const m = route.method === call.method ? route.path.exec(path) : null;
        if (m) {
          const [status, data] = await route.handler(call, m.slice(1));
          if (path.endsWith('jwks.json')) {
            res.writeHead(status, { 'content-type': 'application/json' });
            return void res.end(JSON.stringify(data));
          }
          return answer(status, data);
        }
      }
      answer(404, { code: 'BIZ_001', message: 'no such route in the fake auth' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}/api/v1/public/auth/.well-known/jwks.json`,
    identities,
    calls,
    on(method, path, handler) {
      const at = extra.findIndex((r) => r.method === method && r.path.source === path.source);
      if (at >= 0) extra.splice(at, 1);
      extra.unshift({ method, path, handler });
    },
    down: () => { isDown = true; },
    failWith: (status) => { failStatus = status; },
    up: () => { isDown = false; failStatus = undefined; },
    sign: signClaims,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------------------------------------------------------------------------------------------
// The app under test
// ---------------------------------------------------------------------------------------------

export type SeedOptions = {
  id?: string;
  email?: string;
  displayName?: string;
  role?: UserRole;
  status?: UserStatus;
  firstName?: string | null;
  bio?: string | null;
  settings?: Record<string, unknown>;
  deletedAt?: Date | null;
  /** Known to the fake auth too (default true). */
  inAuth?: boolean;
};

export type Seeded = { id: string; email: string; role: UserRole; displayName: string; token: string };

export type TestEvents = {
  broker: Broker;
  exchange: string;
  /** The consumers' queue names as started (prefixed). */
  queues: string[];
  /** Publishes an envelope straight to the exchange, as auth's relay would (or a redelivery would repeat). */
  publish(envelope: EventEnvelope): Promise<void>;
  stop(): Promise<void>;
};

export type TestApp = {
  app: Express;
  db: TestDatabase;
  redis: Redis;
  deps: UserDeps;
  config: UserConfig;
  auth: FakeAuth;
  /** auth's API client the app uses (its own breaker name, so tests never share breaker state). */
  authApi: ServiceClient;
  prefix: string;
  logger: Logger;
  /** A unique email for this file and call. */
  email(label?: string): string;
  /** `Bearer <access token>` for an end user (role user unless given) or a service account. */
  tokenFor(actor: { id: string; role?: UserRole | 'service' }, claims?: Record<string, unknown>): string;
  /** A service account's bearer token (client id `sync` unless given). */
  serviceToken(clientId?: string): string;
  /** Revokes every token of a user issued so far, as auth does on ban/role change. */
  revokeUser(id: string): Promise<void>;
  /** A profile row (and by default the same identity at the fake auth). */
  seedUser(opts?: SeedOptions): Promise<Seeded>;
  /** An identity at the fake auth only: its user.registered event has not been consumed yet. */
  seedIdentity(opts?: { id?: string; email?: string; displayName?: string; role?: UserRole }): Seeded;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of users.users, users.user_deletions and users.outbox, to assert a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  outbox(type?: string): Promise<{ type: string; envelope: EventEnvelope<Record<string, unknown>> }[]>;
  /** Starts the relay and the consumers on a per-file exchange (extra consumers: U2's). */
  startEvents(extraConsumers?: (deps: UserDeps) => ConsumerDef[]): Promise<TestEvents>;
  stop(): Promise<void>;
};

// The relay's bookkeeping (sent_at, attempts, last_error) changes on its own while events run; it is
// not a change a request made, so snapshots leave it out.
const SNAPSHOT_TABLES: Record<string, string> = {
  users: 'to_jsonb(t)',
  user_deletions: 'to_jsonb(t)',
  outbox: `to_jsonb(t) - 'sent_at' - 'attempts' - 'last_error'`,
};

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const prefix = testPrefix('user');
  const db = await createTestDatabase();
  const auth = await startFakeAuth();
  const config = loadUserConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    AMQP_URL: process.env.AMQP_URL,
    AUTH_URL: auth.url,
    AUTH_JWKS_URL: auth.jwksUrl,
    SERVICE_CLIENT_ID: 'user',
    SERVICE_CLIENT_SECRET: 'test-user-secret-123456',
    ...env,
  });
  const logger = createLogger({ service: 'user', level: 'error', silent: !process.env.TEST_LOGS });
  const redis = createRedisClient(config.REDIS_URL, logger);
  await redisReady(redis);
  const getToken = createTokenProvider({ authUrl: auth.url, clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET, logger });
  const authApi = createServiceClient({
    name: `auth-${prefix}`, baseUrl: auth.url, timeoutMs: config.AUTH_TIMEOUT_MS, retries: 1, retryDelayMs: 10, getToken, logger,
    breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 },
  });
  const deps = createUserDeps({ config, pool: db.pool, redis, logger, authApi, cacheKeyPrefix: `${prefix}:` });
  const app = buildApp({
    ...deps,
    tokens: { issuer: ISSUER, jwksUrl: auth.jwksUrl },
    redis,
    checks: [
      { name: 'postgres', check: () => db.pool.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  });

  let n = 0;
  const rows = async <T,>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const running: TestEvents[] = [];
  const tokenFor: TestApp['tokenFor'] = (actor, claims = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const role = actor.role ?? 'user';
    return `Bearer ${auth.sign({
      iss: ISSUER, sub: actor.id, role, jti: randomUUID(), iat: now, exp: now + 900,
      ...(role !== 'service' && { sid: randomUUID() }), ...claims,
    })}`;
  };

  const t: TestApp = {
    app, db, redis, deps, config, auth, authApi, prefix, logger,
    email: (label = 'user') => `${label}.${prefix}.${++n}@example.com`.toLowerCase(),
    tokenFor,
    serviceToken: (clientId = 'sync') => tokenFor({ id: clientId, role: 'service' }),
    async revokeUser(id) {
      // auth stores "tokens issued at or before T are revoked"; iat has second resolution.
      await redis.set(revocationKeys.userKey(id), String(Math.floor(Date.now() / 1000)), 'EX', 900);
    },
    async seedUser(opts = {}) {
      const id = opts.id ?? randomUUID();
      const email = opts.email ?? t.email();
      const role = opts.role ?? 'user';
      const status = opts.status ?? 'active';
      const displayName = opts.displayName ?? 'Test User';
      await db.pool.query(
        `INSERT INTO users.users (id, email, display_name, role, status, first_name, bio, settings, deleted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, email, displayName, role, status, opts.firstName ?? null, opts.bio ?? null, JSON.stringify(opts.settings ?? {}),
          opts.deletedAt ?? (status === 'deleted' ? new Date() : null)],
      );
      if (opts.inAuth !== false) auth.identities.set(id, { id, email, display_name: displayName, role, status, email_verified: true });
      return { id, email, role, displayName, token: tokenFor({ id, role }) };
    },
    seedIdentity(opts = {}) {
      const id = opts.id ?? randomUUID();
      const email = opts.email ?? t.email('pending');
      const role = opts.role ?? 'user';
      const displayName = opts.displayName ?? 'Pending User';
      auth.identities.set(id, { id, email, display_name: displayName, role, status: 'active', email_verified: false });
      return { id, email, role, displayName, token: tokenFor({ id, role }) };
    },
    rows,
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const [table, row] of Object.entries(SNAPSHOT_TABLES)) {
        out[table] = (await rows<{ r: unknown }>(`SELECT ${row} AS r FROM users.${table} t ORDER BY 1`)).map((x) => x.r);
      }
      return out;
    },
    async outbox(type) {
      return rows(`SELECT type, envelope FROM users.outbox ${type ? 'WHERE type = $1' : ''} ORDER BY seq`, type ? [type] : []);
    },
    async startEvents(extraConsumers) {
      const exchange = `${prefix}.events`;
      const broker = await connectBroker(AMQP_URL, logger, { exchange });
      const relay = startOutboxRelay({ pool: db.pool, broker, schema: 'users', logger });
      const delays = [100, 200];
      const defs = [onUserRegistered(deps), ...(extraConsumers?.(deps) ?? [])].map((d) => ({ ...d, queue: `${prefix}.${d.queue}` }));
      const consumers = await startConsumers(broker, defs, { pool: db.pool, schema: 'users', logger, retryDelaysMs: delays, concurrency: 2 });
      const events: TestEvents = {
        broker,
        exchange,
        queues: defs.map((d) => d.queue),
        publish: (e) => broker.publish(e.type, Buffer.from(JSON.stringify(e)), {
          persistent: true, messageId: e.id, type: e.type, contentType: 'application/json',
        }),
        async stop() {
          await consumers.stop();
          await relay.stop();
          await deleteRabbitObjects(broker, defs.flatMap((d) => consumerQueueNames(d.queue, delays)), exchange);
          await broker.close();
        },
      };
      running.push(events);
      return events;
    },
    async stop() {
      for (const e of running.splice(0)) await e.stop().catch(() => {});
      authApi.close();
      await auth.close();
      await redis.quit().catch(() => {});
      await db.drop();
    },
  };
  return t;
}

async function deleteRabbitObjects(broker: Broker, queues: string[], exchange: string): Promise<void> {
  const ch = broker.openChannel('cleanup', async () => {});
  try {
    const channel = await ch.waitForOpen(5_000);
    for (const q of queues) await channel.deleteQueue(q).catch(() => {});
    await channel.deleteExchange(exchange).catch(() => {});
  } finally {
    await ch.close().catch(() => {});
  }
}

/** The error envelope every refusal must carry. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code, message: expect.any(String) } });
  expect(res.body.error.request_id).toEqual(expect.any(String));
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
