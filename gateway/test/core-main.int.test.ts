// The gateway as `npm start` runs it (node --import @platform/shared/telemetry/register src/main.ts):
// its span is the root of the request's trace and the upstream gets the trace context; a bad
// kong.yml stops the start with the entity-named message.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, writeKongYaml, type EchoUpstream } from './support/gateway-harness.ts';

const gatewayDir = new URL('..', import.meta.url).pathname;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

type Started = { child: ChildProcess; port: number; output: () => string };

/** Starts main.ts with telemetry; resolves once it logged its ports. */
function startMain(configPath: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', '@platform/shared/telemetry/register', 'src/main.ts'], {
    cwd: gatewayDir,
    env: {
      PATH: process.env.PATH,
      KONG_DECLARATIVE_CONFIG: configPath,
      GATEWAY_PORT: '0',
      GATEWAY_STATUS_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'gateway',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`gateway exited with ${code}`), { code, output: out }));
    });
    const poll = setInterval(() => {
      const m = /"message":"gateway listening"[^\n]*"port":(\d+)/.exec(out) ?? /"port":(\d+)[^\n]*"message":"gateway listening"/.exec(out);
      if (!m) return;
      clearInterval(poll);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, port: Number(m[1]), output: () => out });
    }, 50);
  });
}

let upstream: EchoUpstream;
let started: Started;
let kongYml: { path: string; remove: () => void };

beforeAll(async () => {
  upstream = await startEchoUpstream();
  kongYml = writeKongYaml({ _format_version: '3.0', services: [{ name: 'echo', url: upstream.url, routes: [{ name: 'r', paths: ['/t'] }] }] });
  started = await startMain(kongYml.path);
});
afterAll(async () => {
  started?.child.kill('SIGTERM');
  await new Promise((resolve) => started?.child.once('exit', resolve));
  kongYml.remove();
  await upstream.close();
});

describe('gateway process with telemetry', () => {
  it('continues the client\'s trace and sends the upstream a traceparent from its own span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpan = '00f067aa0ba902b7';
    const res = await fetch(`http://127.0.0.1:${started.port}/t/x`, { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } });
    expect(res.status).toBe(200);
    const sent = String(upstream.requests.at(-1)?.headers.traceparent);
    const [, upstreamTrace, upstreamParent] = TRACEPARENT.exec(sent) ?? [];
    expect(upstreamTrace).toBe(traceId);
    expect(upstreamParent).not.toBe(clientSpan);
  });

  it('starts a trace at the edge when the client sends none; the span the upstream names is the gateway\'s', async () => {
    await (await fetch(`http://127.0.0.1:${started.port}/t/y`)).text();
    const sent = String(upstream.requests.at(-1)?.headers.traceparent);
    const [, traceId, parentSpan] = TRACEPARENT.exec(sent) ?? [];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The console exporter prints the gateway's spans: the upstream's parent is one of them, in that trace.
    await expect.poll(() => started.output().includes(`id: '${parentSpan}'`), { timeout: 5_000 }).toBe(true);
    expect(started.output()).toContain(`traceId: '${traceId}'`);
  });

  it('puts the trace id of its own span in its error envelopes', async () => {
    const res = await fetch(`http://127.0.0.1:${started.port}/nowhere`);
    const body = (await res.json()) as { error: { trace_id?: string } };
    expect(body.error.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('gateway start with a bad kong.yml', () => {
  it('exits with the message naming the entity and field', async () => {
    const bad = writeKongYaml({
      _format_version: '3.0',
      services: [{ name: 'svc', url: 'http://127.0.0.1:1', routes: [{ name: 'auth-protected', paths: ['/a'], plugins: [{ name: 'nope-plugin' }] }] }],
    });
    try {
      const err = (await startMain(bad.path).then(
        () => {
          throw new Error('started');
        },
        (e: unknown) => e,
      )) as { code: number; output: string };
      expect(err.code).toBe(1);
      expect(err.output).toContain("services[svc].routes[auth-protected].plugins[nope-plugin]: plugin 'nope-plugin' is not implemented by this gateway");
    } finally {
      bad.remove();
    }
  });
});
