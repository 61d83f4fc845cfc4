// The composition root as a real process: migrations, bootstrap of the admin and service accounts,
// readiness with every dependency, the outbox relayed to RabbitMQ, and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type Broker, type ManagedChannel } from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { makeKeyFiles, STRONG_PASSWORD } from './helpers.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const prefix = testPrefix('authmain');
const exchange = `${prefix}.events`;
const queue = `${prefix}.all`;
const ADMIN = { email: 'Root@Example.com', password: 'a-long-admin-passphrase' };

let db: TestDatabase;
let child: ChildProcess;
let base: string;
let output = '';
let broker: Broker;
let channel: ManagedChannel;
const received: { routingKey: string; body: Record<string, unknown>; headers: Record<string, unknown> }[] = [];

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service output:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  broker = await connectBroker(AMQP_URL, createLogger({ service: 'test', silent: true }), { exchange });
  channel = broker.openChannel('auth-main-test', async (ch) => {
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: false, autoDelete: true });
    await ch.bindQueue(queue, exchange, '#');
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      received.push({ routingKey: msg.fields.routingKey, body: JSON.parse(msg.content.toString()), headers: msg.properties.headers ?? {} });
    }, { noAck: true });
  });
  await channel.waitForOpen(5_000);

  const port = await freePort();
  base = `http://127.0.0.1:${port}/api/v1`;
  child = spawn(process.execPath, ['--import', '@platform/shared/telemetry/register', 'src/main.ts'], {
    cwd: serviceDir,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME,
      PORT: String(port), DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', AMQP_URL,
      EVENTS_EXCHANGE: exchange, JWT_PRIVATE_KEY_FILE: makeKeyFiles().privateFile,
      ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SERVICE_ACCOUNTS: `${prefix.replaceAll('_', '-')}:svc-secret-0123456789`,
      LOG_LEVEL: 'info', OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  await waitFor(async () => (await fetch(`${base}/ready`)).ok || undefined, 'auth to be ready');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await channel?.current?.deleteExchange(exchange).catch(() => {});
  await channel?.close();
  await broker?.close();
  await db?.drop();
});

describe('auth as a process', () => {
  it('is ready with postgres, redis and rabbitmq up', async () => {
    const body = (await (await fetch(`${base}/ready`)).json()) as { data: { checks: { name: string; status: string }[] } };
    expect(body.data.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([['postgres', 'up'], ['redis', 'up'], ['rabbitmq', 'up']]);
  });

  it('created the admin at start, logged its email and never its password', async () => {
    const res = await fetch(`${base}/public/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { user: unknown } };
    expect(body.data.user).toMatchObject({ email: 'root@example.com', role: 'admin', email_verified: true });
    expect(output).toContain('"admin account created"');
    expect(output).toContain('root@example.com');
    expect(output).not.toContain(ADMIN.password);
    expect(output).not.toContain('svc-secret-0123456789');
  });

  it('issues service tokens to the configured service accounts', async () => {
    const res = await fetch(`${base}/public/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: prefix.replaceAll('_', '-'), client_secret: 'svc-secret-0123456789' }),
    });
    expect(res.status).toBe(200);
  });

  it('relays the registration events to RabbitMQ through the outbox, with trace context', async () => {
    const email = `${prefix}@example.com`.toLowerCase();
    const res = await fetch(`${base}/public/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `${prefix}-req` },
      body: JSON.stringify({ email, password: STRONG_PASSWORD, display_name: 'Relayed' }),
    });
    expect(res.status).toBe(201);
    const userId = ((await res.json()) as { data: { user: { id: string } } }).data.user.id;
    const events = await waitFor(async () => {
      const mine = received.filter((m) => m.body.subject === userId);
      return mine.length === 2 ? mine : undefined;
    }, 'both events on the exchange');
    expect(events.map((e) => e.routingKey).sort()).toEqual(['auth.email_verification_requested', 'user.registered']);
    expect(events.find((e) => e.routingKey === 'user.registered')!.body).toMatchObject({ source: 'auth', data: { user_id: userId, email } });
    for (const e of events) {
      expect(e.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(e.headers['x-request-id']).toBe(`${prefix}-req`);
    }
    expect(received.some((m) => m.routingKey === 'user.registered' && (m.body.data as { role?: string }).role === 'admin')).toBe(true);
    const sent = await db.pool.query(`SELECT count(*)::int AS n FROM auth.outbox WHERE sent_at IS NULL`);
    expect(sent.rows[0].n).toBe(0);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"stopped"');
  });
});
