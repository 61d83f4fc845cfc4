import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryMode } from '@platform/shared/telemetry';
import { startNodeProcess, type NodeProcess } from './fixtures/node-process.ts';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.ts';

const APP = new URL('./fixtures/telemetry-app.ts', import.meta.url).pathname;
const SHARED = new URL('..', import.meta.url).pathname;

let receiver: OtlpReceiver;
const started: NodeProcess[] = [];

async function startApp(env: Record<string, string>) {
  const proc = startNodeProcess(APP, { cwd: SHARED, env: { LOG_LEVEL: 'info', ...env } });
  started.push(proc);
  const line = await proc.waitForLine((l) => l.message === 'listening');
  return { proc, url: `http://127.0.0.1:${String(line.port)}` };
}

const hello = async (url: string, id: string) => {
  const res = await fetch(`${url}/hello/${id}`);
  return ((await res.json()) as { data: { trace_id: string | null } }).data.trace_id;
};

beforeAll(async () => { receiver = await startOtlpReceiver(); });
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await receiver.close();
});

describe('telemetryMode', () => {
  it('exports only when an endpoint or exporter is configured', () => {
    expect(telemetryMode({})).toBe('local');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('exporting');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe('exporting');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe('local');
    expect(telemetryMode({ OTEL_TRACES_EXPORTER: 'console' })).toBe('exporting');
    expect(telemetryMode({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('disabled');
  });
});

describe('the --import telemetry entry', () => {
  it('exports http, express, ioredis and pg spans of one request over OTLP/JSON, and the log line carries the trace id', async () => {
    const { proc, url } = await startApp({
      OTEL_SERVICE_NAME: 'telemetry-app-1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await fetch(`${url}/api/v1/health`);
    await fetch(`${url}/api/v1/metrics`);
    const traceId = await hello(url, '42');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const spans = await receiver.waitFor((all) => {
      const t = all.filter((s) => s.traceId === traceId);
      return t.some((s) => s.kind === SPAN_KIND.server) && t.some((s) => s.name === 'ping') && t.some((s) => s.name.startsWith('pg.query'));
    }, 5_000);
    const trace = spans.filter((s) => s.traceId === traceId);
    const server = trace.find((s) => s.kind === SPAN_KIND.server);
    expect(server).toMatchObject({ service: 'telemetry-app-1', name: 'GET /hello/:id' });
    expect(server?.attributes['http.route']).toBe('/hello/:id');
    for (const child of trace.filter((s) => s !== server)) expect(child.parentSpanId).toBeDefined();
    expect(trace.some((s) => s.name === 'ping' && s.kind === SPAN_KIND.client)).toBe(true);
    expect(trace.some((s) => s.name.startsWith('pg.query'))).toBe(true);

    // Probes and scrapes are not traced.
    expect(receiver.spans.filter((s) => s.service === 'telemetry-app-1' && /health|metrics/.test(String(s.attributes['url.path'] ?? s.name)))).toEqual([]);

    const logLine = await proc.waitForLine((l) => l.message === 'hello handled');
    expect(logLine).toMatchObject({ trace_id: traceId, service: 'telemetry-app-1' });
    expect(logLine.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('still creates trace ids for logs without an endpoint, and sends nothing', async () => {
    const before = receiver.spans.length;
    const { proc, url } = await startApp({ OTEL_SERVICE_NAME: 'telemetry-app-2' });
    const traceId = await hello(url, '1');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(await proc.waitForLine((l) => l.message === 'hello handled')).toMatchObject({ trace_id: traceId });
    await proc.stop();
    expect(receiver.spans.length).toBe(before);
    expect(proc.output.join('')).not.toMatch(/ECONNREFUSED|export/i);
  });

  it('is off entirely with OTEL_SDK_DISABLED=true', async () => {
    const { proc, url } = await startApp({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(await hello(url, '1')).toBeNull();
    expect((await proc.waitForLine((l) => l.message === 'hello handled')).trace_id).toBeUndefined();
  });

  it('flushes pending spans on SIGTERM before the process exits', async () => {
    const { proc, url } = await startApp({
      OTEL_SERVICE_NAME: 'telemetry-app-4',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '60000', // nothing leaves on its own during the test
    });
    const traceId = await hello(url, '7');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.spans.some((s) => s.traceId === traceId)).toBe(false);

    const exit = await proc.stop();
    expect(exit.signal).toBe('SIGTERM');
    expect(receiver.spans.some((s) => s.traceId === traceId && s.service === 'telemetry-app-4')).toBe(true);
  });
});
