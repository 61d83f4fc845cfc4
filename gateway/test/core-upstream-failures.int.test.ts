// When the upstream fails: Kong's 502/504 texts in the envelope, retries only for requests that
// are safe to send again, and the per-service circuit breaker (open → fast 503 → recovery).
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { retryable, UpstreamFailure } from '../src/proxy/send-upstream.ts';
import { startEchoUpstream, startGateway, type TestGateway } from './support/gateway-harness.ts';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function gateway(services: Record<string, unknown>[], env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startGateway({ config: { _format_version: '3.0', services }, env });
  cleanup.push(() => gw.close());
  return gw;
}

/** A port nothing listens on (connection refused). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and drops each one as soon as the request arrives; counts them. */
async function resettingUpstream(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.once('data', () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('upstream failures', () => {
  it('answers 502 with Kong\'s text when the upstream refuses the connection', async () => {
    const port = await deadPort();
    const gw = await gateway([{ name: 'dead', url: `http://127.0.0.1:${port}`, retries: 1, routes: [{ name: 'r', paths: ['/r'] }] }]);
    const res = await gw.fetch('/r', { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    expect(await errorOf(res)).toMatchObject({ code: 'EXT_003', message: 'An invalid response was received from the upstream server' });
  });

  it('answers 504 with Kong\'s text when the upstream is slower than read_timeout', async () => {
    const upstream = await startEchoUpstream();
    cleanup.push(() => upstream.close());
    const gw = await gateway([{ name: 'slow', url: upstream.url, read_timeout: 100, retries: 0, routes: [{ name: 'r', paths: ['/r'] }] }]);
    const started = Date.now();
    const res = await gw.fetch('/r', { headers: { 'x-echo-delay': '1000' } });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(800);
    expect(await errorOf(res)).toMatchObject({ code: 'EXT_001', message: 'The upstream server is timing out' });
  });

  it('retries an idempotent request without a body, up to `retries` times', async () => {
    const upstream = await resettingUpstream();
    const gw = await gateway([{ name: 'flaky', url: `http://127.0.0.1:${upstream.port}`, retries: 3, routes: [{ name: 'r', paths: ['/r'] }] }], {
      GATEWAY_BREAKER_VOLUME_THRESHOLD: '100',
    });
    const res = await gw.fetch('/r');
    expect(res.status).toBe(502);
    expect(upstream.connections()).toBe(4);
  });

  it('does not resend a POST (or any request whose body was sent) once it reached the upstream', async () => {
    const upstream = await resettingUpstream();
    const gw = await gateway([{ name: 'flaky', url: `http://127.0.0.1:${upstream.port}`, retries: 3, routes: [{ name: 'r', paths: ['/r'] }] }], {
      GATEWAY_BREAKER_VOLUME_THRESHOLD: '100',
    });
    expect((await gw.fetch('/r', { method: 'POST' })).status).toBe(502);
    expect(upstream.connections()).toBe(1);
    expect((await gw.fetch('/r', { method: 'PUT', body: 'payload' })).status).toBe(502);
    expect(upstream.connections()).toBe(2);
  });

  it('would resend any request that never reached the upstream, and only idempotent bodyless ones that did', () => {
    const refused = new UpstreamFailure('connect', false);
    const reset = new UpstreamFailure('reset', true);
    expect(retryable(refused, 'POST', false)).toBe(true);
    expect(retryable(reset, 'POST', false)).toBe(false);
    expect(retryable(reset, 'GET', false)).toBe(true);
    expect(retryable(reset, 'PUT', true)).toBe(false);
    expect(retryable(new UpstreamFailure('timeout', true), 'PATCH', false)).toBe(false);
    expect(retryable(new UpstreamFailure('client_abort', false), 'GET', false)).toBe(false);
  });
});

describe('circuit breaker per upstream service', () => {
  it('opens after failures, answers 503 at once without contacting the upstream, and closes after a good trial', async () => {
    const port = await deadPort();
    const gw = await gateway(
      [
        { name: 'fragile', url: `http://127.0.0.1:${port}`, retries: 0, routes: [{ name: 'r', paths: ['/r'] }] },
      ],
      { GATEWAY_BREAKER_VOLUME_THRESHOLD: '3', GATEWAY_BREAKER_ERROR_PERCENT: '50', GATEWAY_BREAKER_RESET_TIMEOUT_MS: '300' },
    );
    for (let i = 0; i < 3; i += 1) expect((await gw.fetch('/r')).status).toBe(502);

    const started = performance.now();
    const open = await gw.fetch('/r');
    expect(open.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(50);
    expect(await errorOf(open)).toMatchObject({ code: 'EXT_002', message: 'The upstream server is currently unavailable' });
    expect(await (await fetch(`${gw.statusUrl}/metrics`)).text()).toContain('kong_upstream_breaker_state{service="fragile"} 1');

    // The service comes back on its port; after resetTimeout one trial goes through and closes the breaker.
    const server = createHttpServer((_req, res) => res.end('back'));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const trial = await gw.fetch('/r');
    expect(trial.status).toBe(200);
    expect(await trial.text()).toBe('back');
    expect((await gw.fetch('/r')).status).toBe(200);
    expect(await (await fetch(`${gw.statusUrl}/metrics`)).text()).toContain('kong_upstream_breaker_state{service="fragile"} 0');
  });

  it('does not count upstream answers (4xx, 5xx) as failures', async () => {
    const upstream = await startEchoUpstream();
    cleanup.push(() => upstream.close());
    const gw = await gateway([{ name: 'answers', url: upstream.url, routes: [{ name: 'r', paths: ['/r'] }] }], {
      GATEWAY_BREAKER_VOLUME_THRESHOLD: '2',
    });
    for (let i = 0; i < 5; i += 1) expect((await gw.fetch('/r', { headers: { 'x-echo-status': i % 2 ? '500' : '404' } })).status).not.toBe(503);
    expect((await gw.fetch('/r')).status).toBe(200);
  });

  it('keeps one breaker per service: a dead service does not open another one\'s', async () => {
    const port = await deadPort();
    const upstream = await startEchoUpstream();
    cleanup.push(() => upstream.close());
    const gw = await gateway(
      [
        { name: 'dead', url: `http://127.0.0.1:${port}`, retries: 0, routes: [{ name: 'd', paths: ['/d'] }] },
        { name: 'alive', url: upstream.url, routes: [{ name: 'a', paths: ['/a'] }] },
      ],
      { GATEWAY_BREAKER_VOLUME_THRESHOLD: '2' },
    );
    for (let i = 0; i < 4; i += 1) await gw.fetch('/d');
    expect((await gw.fetch('/d')).status).toBe(503);
    expect((await gw.fetch('/a')).status).toBe(200);
  });
});
