// The proxy end to end against a local echo upstream: routing, Kong's forwarding headers,
// ids and latency headers, keep-alive, and the gateway's own answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';
import type { EchoRequest } from './support/echo-upstream.ts';

let upstream: EchoUpstream;
let gw: TestGateway;
let trusting: TestGateway;

const kongYml = (url: string) => ({
  _format_version: '3.0',
  services: [
    {
      name: 'echo',
      url: `${url}/base`,
      routes: [
        { name: 'api', paths: ['/api'] },
        { name: 'api-users', paths: ['/api/users'], methods: ['GET'] },
        { name: 'regex', paths: ['~/items/(?<id>\\d+)$'], regex_priority: 5 },
        { name: 'keep-path', paths: ['/keep'], strip_path: false },
        { name: 'host-route', paths: ['/h'], hosts: ['*.example.test'], preserve_host: true },
        { name: 'https-only', paths: ['/secure'], protocols: ['https'] },
      ],
    },
    { name: 'root', url, routes: [{ name: 'root', paths: ['/root'] }] },
  ],
});

const echoed = async (res: Response) => (await res.json()) as EchoRequest;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({ config: kongYml(upstream.url) });
  trusting = await startGateway({ config: kongYml(upstream.url), env: { GATEWAY_TRUSTED_IPS: '10.0.0.0/8, 127.0.0.1' } });
});
afterAll(async () => {
  await gw.close();
  await trusting.close();
  await upstream.close();
});

describe('routing through the gateway', () => {
  it('strips the matched prefix, adds the service path and keeps the query as the client wrote it', async () => {
    const body = await echoed(await gw.fetch('/api/things?q=a%20b&x=1+2'));
    expect(body.url).toBe('/base/things?q=a%20b&x=1+2');
  });

  it('lets the longest prefix win and matches methods', async () => {
    expect((await echoed(await gw.fetch('/api/users/7'))).path).toBe('/base/7');
    expect((await echoed(await gw.fetch('/api/users/7', { method: 'DELETE' }))).path).toBe('/base/users/7');
  });

  it('strips the part a regex path matched', async () => {
    expect((await echoed(await gw.fetch('/items/42'))).path).toBe('/base');
  });

  it('keeps the request path when strip_path is off', async () => {
    expect((await echoed(await gw.fetch('/keep/a'))).path).toBe('/base/keep/a');
  });

  it('sends the service host unless preserve_host, and matches wildcard hosts', async () => {
    expect((await echoed(await gw.fetch('/api/x'))).headers.host).toBe(`127.0.0.1:${upstream.port}`);
    // fetch cannot set Host: raw requests instead.
    const preserved = await fetchRaw(gw.port, 'GET /h/x HTTP/1.1\r\nhost: files.example.test\r\nconnection: close\r\n\r\n');
    expect(preserved).toContain('"host":"files.example.test"');
    const other = await fetchRaw(gw.port, 'GET /h/x HTTP/1.1\r\nhost: example.test\r\nconnection: close\r\n\r\n');
    expect(other).toMatch(/^HTTP\/1.1 404/);
  });

  it('resolves dot segments before matching, so /api/../root reaches the root route', async () => {
    const res = await fetchRaw(gw.port, 'GET /api/../root/x HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n');
    expect(res).toContain('"path":"/x"');
  });

  it('answers 404 with Kong\'s message in the envelope when no route matches', async () => {
    const res = await gw.fetch('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('server')).toBe('kong/3.10.0');
    const body = (await res.json()) as { error: { timestamp: unknown } };
    expect(body).toMatchObject({
      success: false, status_code: 404, data: null,
      error: { code: 'BIZ_001', message: 'no Route matched with those values', request_id: res.headers.get('x-kong-request-id') },
    });
    expect(typeof body.error.timestamp).toBe('string');
  });

  it('answers 426 on a route that only accepts https', async () => {
    const res = await gw.fetch('/secure/x');
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Please use HTTPS protocol');
    // Behind a trusted TLS-terminating proxy the route is reachable.
    const ok = await trusting.fetch('/secure/x', { headers: { 'x-forwarded-proto': 'https' } });
    expect(ok.status).toBe(200);
  });

  it('answers the public health check itself', async () => {
    const before = upstream.requests.length;
    const res = await gw.fetch('/KONGAPI/api/v1/public/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, data: { status: 'ok', service: 'gateway' } });
    expect(upstream.requests.length).toBe(before);
  });
});

describe('forwarding headers', () => {
  it('sets X-Forwarded-*, X-Real-IP and Via as Kong does, ignoring what an untrusted client sent', async () => {
    const res = await gw.fetch('/api/x?y=1', {
      headers: {
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.test',
        'x-forwarded-port': '1',
        'x-forwarded-path': '/evil',
        'x-forwarded-prefix': '/evil',
        'x-real-ip': '6.6.6.6',
        via: '1.1 client-proxy',
      },
    });
    const { headers } = await echoed(res);
    expect(headers).toMatchObject({
      'x-real-ip': '127.0.0.1',
      // The chain is kept (as nginx does) with the real peer appended; only the last hop is the gateway's word.
      'x-forwarded-for': '6.6.6.6, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': '127.0.0.1',
      'x-forwarded-port': String(gw.port),
      'x-forwarded-path': '/api/x',
      'x-forwarded-prefix': '/api',
      via: '1.1 client-proxy, 1.1 kong/3.10.0',
    });
  });

  it('believes a trusted proxy (GATEWAY_TRUSTED_IPS) about the client', async () => {
    const { headers } = await echoed(
      await trusting.fetch('/api/x', {
        headers: { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com', 'x-forwarded-port': '443', 'x-forwarded-prefix': '/edge' },
      }),
    );
    expect(headers).toMatchObject({
      'x-real-ip': '203.0.113.9',
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
      'x-forwarded-port': '443',
      'x-forwarded-prefix': '/edge',
    });
  });

  it('takes the last X-Forwarded-For hop from a trusted proxy that sends no X-Real-IP', async () => {
    const { headers } = await echoed(await trusting.fetch('/api/x', { headers: { 'x-forwarded-for': '1.1.1.1, 198.51.100.4' } }));
    expect(headers['x-real-ip']).toBe('198.51.100.4');
  });

  it('drops hop-by-hop headers and those named by Connection', async () => {
    const raw = await fetchRaw(gw.port, 'GET /api/x HTTP/1.1\r\nhost: gw\r\nconnection: close, x-hop\r\nx-hop: 1\r\nkeep-alive: timeout=5\r\nx-end: 1\r\n\r\n');
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as EchoRequest;
    expect(body.headers['x-hop']).toBeUndefined();
    expect(body.headers['keep-alive']).toBeUndefined();
    expect(body.headers['x-end']).toBe('1');
  });
});

describe('ids and latency', () => {
  it('sends X-Kong-Request-Id upstream and back, and reports latencies', async () => {
    const res = await gw.fetch('/api/x', { headers: { 'x-echo-delay': '30' } });
    const id = res.headers.get('x-kong-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await echoed(res)).headers['x-kong-request-id']).toBe(id);
    expect(Number(res.headers.get('x-kong-upstream-latency'))).toBeGreaterThanOrEqual(25);
    expect(Number(res.headers.get('x-kong-proxy-latency'))).toBeGreaterThanOrEqual(0);
    expect(res.headers.get('via')).toBe('1.1 kong/3.10.0');
  });

  it('passes the upstream\'s own status, headers and body through, 5xx included', async () => {
    const res = await gw.fetch('/api/x', { headers: { 'x-echo-status': '503', 'x-echo-header-set-cookie': 'a=1', 'x-echo-header-x-custom': 'yes' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('a=1');
    expect((await echoed(res)).path).toBe('/base/x');
  });

  it('reuses upstream connections (keep-alive)', async () => {
    const before = upstream.connections();
    for (let i = 0; i < 20; i += 1) await (await gw.fetch('/api/x')).arrayBuffer();
    expect(upstream.connections() - before).toBeLessThanOrEqual(2);
  });

  it('relays a request body and its length', async () => {
    const body = await echoed(await gw.fetch('/api/x', { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } }));
    expect(body).toMatchObject({ method: 'POST', body: '{"a":1}', body_size: 7 });
    expect(body.headers['content-length']).toBe('7');
  });
});

describe('limits', () => {
  it('refuses request headers over 16 KiB with 431', async () => {
    const raw = await fetchRaw(gw.port, `GET /api/x HTTP/1.1\r\nhost: gw\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1.1 431/);
  });
});

describe('status listener', () => {
  it('serves /status, /metrics and the health endpoints', async () => {
    const status = (await (await fetch(`${gw.statusUrl}/status`)).json()) as { configuration_hash: string; server: { total_requests: number } };
    expect(status.configuration_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(status.server.total_requests).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gw.statusUrl}/metrics`)).text();
    expect(metrics).toContain('kong_upstream_breaker_state{service="echo"} 0');
    expect(metrics).toContain('kong_nginx_requests_total');
    expect((await fetch(`${gw.statusUrl}/api/v1/health`)).status).toBe(200);
    expect((await fetch(`${gw.statusUrl}/api/v1/ready`)).status).toBe(200);
    expect(await (await fetch(`${gw.statusUrl}/status/ready`)).json()).toEqual({ message: 'ready' });
  });

  it('is ready only while Redis answers, when REDIS_URL is set', async () => {
    const withRedis = await startGateway({ config: kongYml(upstream.url), env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
    const deadRedis = await startGateway({ config: kongYml(upstream.url), env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      expect((await fetch(`${withRedis.statusUrl}/api/v1/ready`)).status).toBe(200);
      const res = await fetch(`${deadRedis.statusUrl}/api/v1/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ data: { checks: [{ name: 'redis', status: 'down' }] } });
    } finally {
      await withRedis.close();
      await deadRedis.close();
    }
  });
});

/** A raw HTTP/1.1 exchange (for paths and headers fetch would normalize away). */
async function fetchRaw(port: number, request: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}
