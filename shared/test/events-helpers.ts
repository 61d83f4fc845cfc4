// Shared by the events integration tests: an isolated database + schema, a broker on a per-file
// exchange, a TCP proxy to cut the broker off without stopping it, and cleanup of what was declared.
import net from 'node:net';
import amqplib from 'amqplib';
import { migrate } from '../src/db/index.ts';
import { createLogger, type Logger } from '../src/logger/index.ts';
import { createTestDatabase, testPrefix, type TestDatabase } from '../src/testing/index.ts';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Silent unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug to watch reconnects and retries). */
export const quietLogger = (): Logger =>
  createLogger({ service: 'events-test', level: process.env.TEST_LOG_LEVEL ?? 'info', silent: !process.env.TEST_LOG_LEVEL });

export type EventsTestEnv = { db: TestDatabase; schema: string; prefix: string; exchange: string; logger: Logger };

/** Own database with the event tables in schema `evt`, and a unique exchange/queue prefix. */
export async function createEventsTestEnv(label: string): Promise<EventsTestEnv> {
  const db = await createTestDatabase();
  const schema = 'evt';
  // A service directory that does not exist: only the shared event tables are created.
  await migrate(db.pool, { schema, dir: '/nonexistent-service-migrations' });
  const prefix = testPrefix(label);
  return { db, schema, prefix, exchange: `${prefix}.events`, logger: quietLogger() };
}

/** Deletes test queues and exchanges with a connection of its own (the test's may be closed). */
export async function deleteRabbitObjects({ queues = [], exchanges = [] }: { queues?: string[]; exchanges?: string[] }): Promise<void> {
  const conn = await amqplib.connect(AMQP_URL);
  try {
    for (const q of queues) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteQueue(q).catch(() => {});
      await ch.close().catch(() => {});
    }
    for (const x of exchanges) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteExchange(x).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close();
  }
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

export type TcpProxy = {
  url: string;
  /** Drops every open connection and refuses new ones, as if the broker were down. */
  cut(): void;
  restore(): void;
  /** Holds everything the broker sends (confirms included) until release. */
  stallDownstream(): void;
  releaseDownstream(): void;
  close(): Promise<void>;
};

/** A TCP proxy in front of RabbitMQ, so a test can cut one client off without stopping the shared server. */
export async function startTcpProxy(targetUrl = AMQP_URL): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5672);
  let cut = false;
  let stalled = false;
  type Pair = { client: net.Socket; upstream: net.Socket; held: Buffer[] };
  const pairs = new Set<Pair>();

  const server = net.createServer((client) => {
    if (cut) { client.destroy(); return; }
    const upstream = net.connect(targetPort, target.hostname);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) pair.held.push(chunk);
      else client.write(chunk);
    });
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const dropAll = () => { for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); } pairs.clear(); };
  return {
    url: url.toString(),
    cut() { cut = true; dropAll(); },
    restore() { cut = false; },
    stallDownstream() { stalled = true; },
    releaseDownstream() {
      stalled = false;
      for (const p of pairs) { for (const chunk of p.held) p.client.write(chunk); p.held = []; }
    },
    async close() {
      cut = true;
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
