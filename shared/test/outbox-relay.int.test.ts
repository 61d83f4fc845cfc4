import { randomUUID } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import amqplib from 'amqplib';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import winston from 'winston';
import { createRunInTx } from '../src/db/index.ts';
import {
  connectBroker, consumer, consumerQueueNames, createOutbox, startConsumers, startOutboxRelay, userRegistered, userUpdated,
  type Broker, type EventEnvelope, type OutboxRelay,
} from '../src/events/index.ts';
import { metricsRegistry } from '../src/http/metrics.ts';
import { createLogger, currentRequestId, requestStore } from '../src/logger/index.ts';
import {
  AMQP_URL, createEventsTestEnv, deleteRabbitObjects, sleep, startTcpProxy, waitFor, type EventsTestEnv, type TcpProxy,
} from './events-helpers.ts';

// Spans end up here instead of an exporter, so the test can check parents and kinds.
type SpanProcessor = NonNullable<NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['spanProcessors']>[number];
type EndedSpan = Parameters<SpanProcessor['onEnd']>[0];
const spans: EndedSpan[] = [];
const sdk = new NodeSDK({
  serviceName: 'events-test',
  instrumentations: [],
  metricReaders: [],
  logRecordProcessors: [],
  spanProcessors: [{ onStart: () => {}, onEnd: (s) => { spans.push(s); }, forceFlush: async () => {}, shutdown: async () => {} }],
});

let env: EventsTestEnv;
let broker: Broker;
let spy: { conn: amqplib.ChannelModel; ch: amqplib.Channel; queue: string };
const queues: string[] = [];
const relays: OutboxRelay[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

const newUser = () => userRegistered.create(
  { user_id: randomUUID(), email: 'ann@example.com', display_name: 'Ann', role: 'user', email_verified: false },
  { source: 'auth' },
);

async function writeEvents(events: EventEnvelope[]): Promise<void> {
  await createRunInTx(env.db.pool)((tx) => createOutbox(env.schema).addMany(tx, events));
}

const rowOf = async (id: string) => (await env.db.pool.query<{ sent_at: Date | null; attempts: number; last_error: string | null }>(
  `SELECT sent_at, attempts, last_error FROM ${env.schema}.outbox WHERE id = $1`, [id])).rows[0]!;

function startRelay(overrides: Partial<Parameters<typeof startOutboxRelay>[0]> = {}): OutboxRelay {
  const relay = startOutboxRelay({ pool: env.db.pool, broker, schema: env.schema, logger: env.logger, pollMs: 50, ...overrides });
  relays.push(relay);
  return relay;
}

/** Messages on the spy queue, bound to every event on the test exchange. */
async function drainSpy(): Promise<amqplib.GetMessage[]> {
  const out: amqplib.GetMessage[] = [];
  for (;;) {
    const msg = await spy.ch.get(spy.queue, { noAck: true });
    if (!msg) return out;
    out.push(msg);
  }
}

beforeAll(async () => {
  sdk.start();
  env = await createEventsTestEnv('outbox');
  broker = await connectBroker(AMQP_URL, env.logger, { exchange: env.exchange });
  const conn = await amqplib.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const queue = `${env.prefix}.spy`;
  await ch.assertQueue(queue, { durable: false });
  await ch.bindQueue(queue, env.exchange, '#');
  spy = { conn, ch, queue };
  queues.push(queue);
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await spy?.conn.close().catch(() => {});
  await broker?.close();
  await deleteRabbitObjects({ queues, exchanges: [env.exchange] });
  await env?.db.drop();
  await sdk.shutdown();
});

describe('outbox relay', () => {
  // Each test starts its own relays; none from an earlier test may publish its rows.
  beforeEach(async () => { await Promise.all(relays.splice(0).map((r) => r.stop())); });

  it('publishes a committed event with its headers, and the consumer runs in the producer trace and request', async () => {
    const seen: { envelope: EventEnvelope; traceId?: string; requestId?: string; inTx: boolean }[] = [];
    const queue = `${env.prefix}.welcome`;
    queues.push(...consumerQueueNames(queue, [1000]));
    // The consumer's log lines, as JSON, to check they carry the producer's ids.
    const lines: Record<string, unknown>[] = [];
    const consumerLogger = createLogger({ service: 'consumer-side', level: 'info' });
    consumerLogger.clear();
    consumerLogger.add(new winston.transports.Stream({
      stream: new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }),
    }));
    const consumers = await startConsumers(broker, [consumer({
      queue,
      event: userRegistered,
      retryDelaysMs: [1000],
      async handle(envelope, ctx) {
        const { rows } = await ctx.tx.query<{ in_tx: boolean }>('SELECT now() <> statement_timestamp() AS in_tx');
        seen.push({ envelope, traceId: trace.getActiveSpan()?.spanContext().traceId, requestId: currentRequestId(), inTx: rows[0]!.in_tx });
        ctx.logger.info('welcome mail queued');
      },
    })], { pool: env.db.pool, schema: env.schema, logger: consumerLogger });
    cleanups.push(() => consumers.stop());
    startRelay();

    const event = newUser();
    let producerTraceId = '';
    const committedAt = await requestStore.run({ requestId: 'req-outbox-1' }, () =>
      trace.getTracer('test').startActiveSpan('POST /register', async (span) => {
        producerTraceId = span.spanContext().traceId;
        await writeEvents([event]);
        span.end();
        return Date.now();
      }));

    const handled = await waitFor(() => seen[0], { what: 'the consumer' });
    const latencyMs = Date.now() - committedAt;
    expect(handled.envelope).toEqual(event);
    expect(handled.traceId).toBe(producerTraceId);
    expect(handled.requestId).toBe('req-outbox-1');
    expect(handled.inTx).toBe(true);
    const line = await waitFor(() => lines.find((l) => l.message === 'welcome mail queued'));
    expect(line).toMatchObject({ trace_id: producerTraceId, request_id: 'req-outbox-1', event_id: event.id, queue });
    expect(latencyMs).toBeLessThan(1_000); // polls every 50 ms here; the default 200 ms keeps it well under 300

    const [msg] = await waitFor(async () => { const m = await drainSpy(); return m.length ? m : undefined; }, { what: 'the spy copy' });
    expect(msg!.fields.routingKey).toBe('user.registered');
    expect(msg!.properties).toMatchObject({
      messageId: event.id, type: 'user.registered', contentType: 'application/json', deliveryMode: 2, appId: 'auth',
    });
    expect(String(msg!.properties.headers?.traceparent)).toMatch(new RegExp(`^00-${producerTraceId}-[0-9a-f]{16}-0[01]$`));
    expect(msg!.properties.headers?.['x-request-id']).toBe('req-outbox-1');
    expect(JSON.parse(msg!.content.toString())).toEqual(event);

    expect((await rowOf(event.id)).sent_at).toBeInstanceOf(Date);
    const processSpan = await waitFor(() => spans.find((s) => s.name === 'user.registered process'));
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(processSpan.spanContext().traceId).toBe(producerTraceId);

    const metrics = await metricsRegistry.getSingleMetricAsString('events_published_total');
    expect(metrics).toMatch(/events_published_total\{schema="evt",type="user.registered"\} [1-9]/);
    const backlog = await metricsRegistry.getSingleMetricAsString('events_outbox_backlog');
    expect(backlog).toMatch(/events_outbox_backlog\{schema="evt"\} 0/);
  });

  it('keeps an event written while RabbitMQ is unreachable and publishes it once it is back', async () => {
    const proxy: TcpProxy = await startTcpProxy();
    cleanups.push(() => proxy.close());
    const cutBroker = await connectBroker(proxy.url, env.logger, { exchange: env.exchange, reconnectMinMs: 100, reconnectMaxMs: 400 });
    cleanups.push(() => cutBroker.close());
    startRelay({ broker: cutBroker });
    expect(cutBroker.isConnected()).toBe(true);

    proxy.cut();
    await waitFor(() => !cutBroker.isConnected(), { what: 'the disconnect' });
    await expect(cutBroker.ready()).rejects.toThrow(/not connected/);
    await drainSpy();
    const event = newUser();
    await writeEvents([event]);
    await sleep(1_000);
    expect((await rowOf(event.id)).sent_at).toBeNull();
    expect(await drainSpy()).toHaveLength(0);

    proxy.restore();
    await waitFor(async () => (await rowOf(event.id)).sent_at, { what: 'the row to be sent', timeoutMs: 15_000 });
    const msgs = await waitFor(async () => { const m = await drainSpy(); return m.length ? m : undefined; });
    expect(msgs.map((m) => m.properties.messageId)).toContain(event.id);
    await cutBroker.ready();
  });

  it('does not mark a row sent when the broker nacks it, and sends it once the broker accepts', async () => {
    // A queue that refuses every message makes RabbitMQ nack publishes routed to it.
    const full = `${env.prefix}.full`;
    queues.push(full);
    const admin = await spy.conn.createChannel();
    await admin.assertQueue(full, { durable: false, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
    await admin.bindQueue(full, env.exchange, 'user.updated');
    startRelay();

    const event = userUpdated.create({ user_id: randomUUID(), changed: ['display_name'] }, { source: 'user' });
    await writeEvents([event]);
    const nacked = await waitFor(async () => { const r = await rowOf(event.id); return r.attempts >= 2 ? r : undefined; });
    expect(nacked.sent_at).toBeNull();
    expect(nacked.last_error).toBeTruthy();

    await admin.deleteQueue(full);
    await admin.close();
    await waitFor(async () => (await rowOf(event.id)).sent_at, { what: 'the row to be sent' });
  });

  it('does not mark a row sent while the confirm is missing (publish timeout)', async () => {
    const proxy = await startTcpProxy();
    cleanups.push(() => proxy.close());
    const slowBroker = await connectBroker(proxy.url, env.logger, { exchange: env.exchange });
    cleanups.push(() => slowBroker.close());
    startRelay({ broker: slowBroker, publishTimeoutMs: 200 });

    proxy.stallDownstream();
    const event = newUser();
    await writeEvents([event]);
    const timedOut = await waitFor(async () => { const r = await rowOf(event.id); return r.last_error ? r : undefined; });
    expect(timedOut.last_error).toMatch(/timed out/);
    expect(timedOut.sent_at).toBeNull();
    await sleep(300);
    expect((await rowOf(event.id)).sent_at).toBeNull();

    proxy.releaseDownstream();
    await waitFor(async () => (await rowOf(event.id)).sent_at, { what: 'the row to be sent' });
  });

  it('lets several relays drain one outbox without publishing a row twice', async () => {
    await drainSpy();
    const events = Array.from({ length: 600 }, newUser);
    await writeEvents(events);
    startRelay({ batchSize: 50 });
    startRelay({ batchSize: 50 });
    startRelay({ batchSize: 50 });

    const received: string[] = [];
    await waitFor(async () => {
      received.push(...(await drainSpy()).map((m) => String(m.properties.messageId)));
      return received.length >= events.length;
    }, { what: 'all 600 events' });
    await sleep(200);
    received.push(...(await drainSpy()).map((m) => String(m.properties.messageId)));
    expect(received).toHaveLength(events.length);
    expect(new Set(received)).toEqual(new Set(events.map((e) => e.id)));
    const { rows } = await env.db.pool.query(`SELECT count(*)::int AS n FROM ${env.schema}.outbox WHERE sent_at IS NULL`);
    expect(rows[0].n).toBe(0);
  });

  it('purges sent rows older than the retention and keeps the rest', async () => {
    const [oldSent, recentSent, unsent] = [newUser(), newUser(), newUser()];
    await writeEvents([oldSent!, recentSent!, unsent!]);
    await env.db.pool.query(`UPDATE ${env.schema}.outbox SET sent_at = now() - interval '8 days' WHERE id = $1`, [oldSent!.id]);
    await env.db.pool.query(`UPDATE ${env.schema}.outbox SET sent_at = now() WHERE id = $1`, [recentSent!.id]);
    // The relay is not connected to anything that could send `unsent`: its broker is down.
    const proxy = await startTcpProxy();
    cleanups.push(() => proxy.close());
    const downBroker = await connectBroker(proxy.url, env.logger, { exchange: env.exchange });
    cleanups.push(() => downBroker.close());
    proxy.cut();
    await waitFor(() => !downBroker.isConnected());
    startRelay({ broker: downBroker, purgeEveryMs: 100, retentionMs: 7 * 24 * 3600_000 });

    await waitFor(async () => (await env.db.pool.query(`SELECT 1 FROM ${env.schema}.outbox WHERE id = $1`, [oldSent!.id])).rowCount === 0, { what: 'the purge' });
    expect((await rowOf(recentSent!.id)).sent_at).toBeInstanceOf(Date);
    expect((await rowOf(unsent!.id)).sent_at).toBeNull();
  });
});
