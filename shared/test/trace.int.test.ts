// Issue 3, "Done when": one trace id is shared by an HTTP call between two processes and by an event
// through RabbitMQ to its consumer; an OTLP receiver in the test collects the spans, and the JSON log
// lines of both processes carry that trace id.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerQueueNames } from '@platform/shared/events';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { startNodeProcess, type NodeProcess } from './fixtures/node-process.ts';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './fixtures/otlp-receiver.ts';

const SHARED = new URL('..', import.meta.url).pathname;
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const prefix = testPrefix('trace');
const queue = `${prefix}.on-user-updated`;
const exchange = `${prefix}.events`;

let receiver: OtlpReceiver;
let db: TestDatabase;
let a: NodeProcess;
let b: NodeProcess;
let aUrl: string;

const otel = (service: string, rcv: OtlpReceiver) => ({
  OTEL_SERVICE_NAME: service,
  OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

async function start(script: string, env: Record<string, string>) {
  const proc = startNodeProcess(fixture(script), { cwd: SHARED, env: { LOG_LEVEL: 'info', ...env } });
  const line = await proc.waitForLine((l) => l.message === 'listening', 30_000);
  return { proc, url: `http://127.0.0.1:${String(line.port)}` };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  db = await createTestDatabase();
  const started = await start('trace-service-b.ts', {
    ...otel('trace-b', receiver), DATABASE_URL: db.url, AMQP_URL, TRACE_SCHEMA: 'trace_b', TRACE_QUEUE: queue, EVENTS_EXCHANGE: exchange,
  });
  b = started.proc;
  const startedA = await start('trace-service-a.ts', { ...otel('trace-a', receiver), B_URL: started.url });
  a = startedA.proc;
  aUrl = startedA.url;
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
  await receiver?.close();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  for (const q of consumerQueueNames(queue, [200])) await ch.deleteQueue(q);
  await ch.deleteExchange(exchange);
  await conn.close();
});

describe('one trace across processes and RabbitMQ', () => {
  it('links A → B over HTTP and B → outbox → RabbitMQ → consumer, in spans and in log lines', async () => {
    const userId = randomUUID();
    const requestId = `${prefix}-req`;
    const res = await fetch(`${aUrl}/hello/${userId}`, { headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { b: unknown; trace_id: string } };
    expect(body.data.b).toEqual({ queued: true });
    const traceId = body.data.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // Logs: A's handler and request lines, B's handler line, and B's consumer line all carry the trace id.
    const consumed = await b.waitForLine((l) => l.message === 'event consumed' && l.user_id === userId, 15_000);
    expect(consumed).toMatchObject({ service: 'trace-b', trace_id: traceId, request_id: requestId, queue });
    expect(await b.waitForLine((l) => l.message === 'work done' && l.user_id === userId)).toMatchObject({ trace_id: traceId, request_id: requestId });
    expect(await a.waitForLine((l) => l.message === 'hello handled' && l.user_id === userId)).toMatchObject({ service: 'trace-a', trace_id: traceId, request_id: requestId });
    expect(await a.waitForLine((l) => l.message === 'request' && l.route === '/hello/:userId')).toMatchObject({ trace_id: traceId });

    // Spans: A's server and client spans, B's server span, the publish and the consume all in one trace.
    const kindsOf = (spans: ReceivedSpan[], service: string) => new Set(spans.filter((s) => s.service === service).map((s) => s.kind));
    const all = await receiver.waitFor((spans) => {
      const t = spans.filter((s) => s.traceId === traceId);
      const aKinds = kindsOf(t, 'trace-a');
      const bKinds = kindsOf(t, 'trace-b');
      return aKinds.has(SPAN_KIND.server) && aKinds.has(SPAN_KIND.client)
        && bKinds.has(SPAN_KIND.server) && bKinds.has(SPAN_KIND.producer) && bKinds.has(SPAN_KIND.consumer);
    }, 15_000);
    const trace = all.filter((s) => s.traceId === traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));

    // Every span but A's incoming request has its parent inside the same trace: nothing started a new one.
    const roots = trace.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => `${s.service}:${s.name}`)).toEqual(['trace-a:GET /hello/:userId']);
    for (const s of trace) if (s.parentSpanId) expect(byId.has(s.parentSpanId), `${s.service}:${s.name} has its parent in the trace`).toBe(true);

    // The hops, parent to child.
    const serverA = roots[0]!;
    const clientA = trace.find((s) => s.service === 'trace-a' && s.kind === SPAN_KIND.client)!;
    const serverB = trace.find((s) => s.service === 'trace-b' && s.kind === SPAN_KIND.server)!;
    const publish = trace.find((s) => s.service === 'trace-b' && s.kind === SPAN_KIND.producer)!;
    const process = trace.find((s) => s.service === 'trace-b' && s.kind === SPAN_KIND.consumer && s.name === 'user.updated process')!;
    const ancestors = (s: ReceivedSpan): string[] => (s.parentSpanId && byId.get(s.parentSpanId) ? [s.parentSpanId, ...ancestors(byId.get(s.parentSpanId)!)] : []);
    expect(ancestors(clientA)).toContain(serverA.spanId);
    expect(serverB.parentSpanId).toBe(clientA.spanId);
    expect(ancestors(publish)).toContain(serverB.spanId);
    expect(process).toBeDefined();
    // Directly, or under the amqplib instrumentation's own consume span.
    expect(ancestors(process)).toContain(publish.spanId);
    expect(process.attributes['messaging.destination.name']).toBe(queue);
  });
});
