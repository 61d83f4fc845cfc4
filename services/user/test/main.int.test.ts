// The composition root as a real process: migrations, readiness with every dependency, the
// user.registered consumer on its own queue prefix, lazy creation through auth, the outbox relayed
// to RabbitMQ, and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, consumerQueueNames, userRegistered, type Broker, type ManagedChannel } from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { ISSUER, startFakeAuth, type FakeAuth } from './helpers.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const prefix = testPrefix('usermain');
const exchange = `${prefix}.events`;
const tap = `${prefix}.tap`;

let db: TestDatabase;
let auth: FakeAuth;
let child: ChildProcess;
let base: string;
let output = '';
let broker: Broker;
let channel: ManagedChannel;
const received: { routingKey: string; body: { type: string; data: Record<string, unknown> } }[] = [];

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

const token = (sub: string) => {
  const now = Math.floor(Date.now() / 1000);
  return `Bearer ${auth.sign({ iss: ISSUER, sub, role: 'user', sid: randomUUID(), jti: randomUUID(), iat: now, exp: now + 600 })}`;
};

beforeAll(async () => {
  db = await createTestDatabase();
  auth = await startFakeAuth();
  broker = await connectBroker(AMQP_URL, createLogger({ service: 'test', silent: true }), { exchange });
  channel = broker.openChannel('user-main-test', async (ch) => {
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(tap, { durable: false, autoDelete: true });
    await ch.bindQueue(tap, exchange, 'user.created');
    await ch.consume(tap, (msg) => {
      if (msg) received.push({ routingKey: msg.fields.routingKey, body: JSON.parse(msg.content.toString()) });
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
      EVENTS_EXCHANGE: exchange, EVENT_QUEUE_PREFIX: prefix,
      AUTH_URL: auth.url, AUTH_JWKS_URL: auth.jwksUrl, SERVICE_CLIENT_ID: 'user', SERVICE_CLIENT_SECRET: 'test-user-secret-123456',
      LOG_LEVEL: 'info', OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  await waitFor(async () => (await fetch(`${base}/ready`)).ok || undefined, 'the user service to be ready');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  const ch = channel?.current;
  for (const purpose of ['profiles', 'deletion-saga']) {
    for (const q of consumerQueueNames(`${prefix}.${purpose}`, [1_000, 5_000, 30_000, 120_000])) await ch?.deleteQueue(q).catch(() => {});
  }
  await ch?.deleteExchange(exchange).catch(() => {});
  await channel?.close();
  await broker?.close();
  await auth?.close();
  await db?.drop();
});

describe('user main.ts', () => {
  it('is ready with postgres, redis and rabbitmq up', async () => {
    const res = await fetch(`${base}/ready`);
    const body = await res.json() as { data: { checks: { name: string; status: string }[] } };
    expect(body.data.checks.map((c) => [c.name, c.status])).toEqual([['postgres', 'up'], ['redis', 'up'], ['rabbitmq', 'up']]);
  });

  it('consumes user.registered on its prefixed queue and relays user.created', async () => {
    const userId = randomUUID();
    const event = userRegistered.create(
      { user_id: userId, email: `main.${prefix}@example.com`, display_name: 'From Main', role: 'user', email_verified: true },
      { source: 'auth' },
    );
    await broker.publish(event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id, contentType: 'application/json' });
    const res = await waitFor(async () => {
      const r = await fetch(`${base}/profile`, { headers: { authorization: token(userId) } });
      return r.status === 200 ? r : undefined;
    }, 'the profile from the event');
    expect(((await res.json()) as { data: { display_name: string } }).data.display_name).toBe('From Main');
    const created = await waitFor(async () => received.find((m) => m.body.data.user_id === userId), 'user.created on the exchange');
    expect(created.routingKey).toBe('user.created');
    expect(output).toContain(`${prefix}.profiles`);
  });

  it('creates a profile lazily from auth’s identity through a service token', async () => {
    const id = randomUUID();
    auth.identities.set(id, { id, email: `lazy.${prefix}@example.com`, display_name: 'Lazy', role: 'user', status: 'active', email_verified: false });
    const res = await fetch(`${base}/profile`, { headers: { authorization: token(id) } });
    expect(res.status).toBe(200);
    expect(auth.calls.some((c) => c.path === '/api/v1/public/auth/token')).toBe(true);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"message":"stopped"');
    expect(output).not.toContain('shutdown step failed');
  });
});
