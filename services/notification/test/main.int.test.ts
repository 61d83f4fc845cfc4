// The composition root as a real process: migrations, readiness, consumers that turn an event into a
// mail on a real SMTP server, and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authEmailVerificationRequested, connectBroker, consumerQueueNames, type Broker } from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { AMQP_URL, TEST_WEBHOOK_KEY } from './helpers.ts';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.ts';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const prefix = testPrefix('notifmain');
const exchange = `${prefix}.events`;
const RETRY_DELAYS = [100, 200];

let db: TestDatabase;
let smtp: SmtpReceiver;
let broker: Broker;
let child: ChildProcess;
let base: string;
let output = '';

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(probe).catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service output:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpReceiver();
  broker = await connectBroker(AMQP_URL, createLogger({ service: 'test', silent: true }), { exchange });
  const port = await freePort();
  const closedPort = await freePort();
  base = `http://127.0.0.1:${port}/api/v1`;
  child = spawn(process.execPath, ['--import', '@platform/shared/telemetry/register', 'src/main.ts'], {
    cwd: serviceDir,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME,
      PORT: String(port), DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', AMQP_URL,
      EVENTS_EXCHANGE: exchange, EVENT_QUEUE_PREFIX: prefix, EVENT_RETRY_DELAYS_MS: RETRY_DELAYS.join(','),
      SMTP_URL: smtp.url, PUBLIC_APP_URL: 'http://app.test',
      // Nobody answers there: the verification mail must not need auth or the user service.
      AUTH_URL: `http://127.0.0.1:${closedPort}`, USER_SERVICE_URL: `http://127.0.0.1:${closedPort}`,
      AUTH_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks.json`,
      SERVICE_CLIENT_SECRET: 'main-test-secret', WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
      LOG_LEVEL: 'info', OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  await waitFor(async () => (await fetch(`${base}/ready`)).ok || undefined, 'notification to be ready');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  // The queues the process declared, from its own start-up log line.
  const started = /"message":"event consumers started","queues":(\[[^\]]*\])/.exec(output);
  const queues = started ? (JSON.parse(started[1]!) as string[]) : [];
  const conn = broker?.manager.connection;
  if (conn) {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    for (const q of queues.flatMap((name) => consumerQueueNames(name, RETRY_DELAYS))) await ch.deleteQueue(q).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await ch.close().catch(() => {});
  }
  await broker?.close();
  await smtp?.close();
  await db?.drop();
});

describe('notification as a process', () => {
  it('migrates its schema and reports postgres, redis and rabbitmq ready', async () => {
    const ready = await (await fetch(`${base}/ready`)).json() as { data: { checks: { name: string; status: string }[] } };
    expect(ready.data.checks.map((c) => [c.name, c.status])).toEqual([['postgres', 'up'], ['redis', 'up'], ['rabbitmq', 'up']]);
    const { rows } = await db.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'notifications' ORDER BY 1`);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['deliveries', 'inbox', 'notifications', 'outbox', 'preferences', 'webhook_deliveries', 'webhooks']));
  });

  it('turns a published verification event into a mail with the link', async () => {
    const email = `main.${prefix}@example.com`.toLowerCase();
    const token = randomBytes(32).toString('base64url');
    const event = authEmailVerificationRequested.create(
      { user_id: randomUUID(), email, display_name: 'Main', token, expires_at: new Date(Date.now() + 3600_000).toISOString() }, { source: 'auth' });
    await broker.publish(event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id, contentType: 'application/json' });
    const mail = await smtp.waitFor((m) => m.to.includes(email), { timeoutMs: 15_000, what: 'the verification mail' });
    expect(mail.text).toContain(`http://app.test/verify-email?token=${token}`);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"message":"stopped"');
  });
});
