// rate-limiting through the real gateway and the echo upstream: headers on proxied answers, the
// 429 envelope, policy redis on the real Redis, and Redis down with fault_tolerant true and false.
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPrefix } from '@platform/shared/testing';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Route names (hence the gateway's stable route ids, hence the Redis keys) unique to this run.
const run = testPrefix('rl');

let upstream: EchoUpstream;
const gateways: TestGateway[] = [];

/** Counters are per minute: keep a test's requests inside one minute. */
async function awayFromMinuteEdge(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 55) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
}

const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function gatewayWith(plugins: Record<string, unknown>[], env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [{ name: `${run}-svc`, url: upstream.url, routes: [{ name: `${run}-${gateways.length}`, paths: ['/api'], plugins }] }],
    },
    env,
  });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  const raw = new Redis(REDIS_URL);
  for (const gw of gateways) {
    for (const route of gw.config.routes) {
      const keys = await raw.keys(`ratelimit:${route.id}:*`);
      if (keys.length) await raw.del(...keys);
    }
    await gw.close();
  }
  raw.disconnect();
  await upstream?.close();
});

describe('rate-limiting through the gateway', () => {
  it('policy local: headers on proxied answers, then the 429 envelope with Retry-After', async () => {
    const gw = await gatewayWith([{ name: 'rate-limiting', config: { minute: 3, hour: 100, limit_by: 'ip' } }]);
    await awayFromMinuteEdge();
    for (const remaining of [2, 1, 0]) {
      const res = await gw.fetch('/api/things');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-minute')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining-minute')).toBe(String(remaining));
      expect(res.headers.get('x-ratelimit-limit-hour')).toBe('100');
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(remaining));
      expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    const seen = upstream.requests.length;
    const res = await gw.fetch('/api/things');
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(res.headers.get('x-ratelimit-remaining-minute')).toBe('0');
    expect(await res.json()).toMatchObject({
      success: false,
      status_code: 429,
      data: null,
      error: { code: 'RATE_429', message: 'API rate limit exceeded' },
    });
    expect(upstream.requests.length).toBe(seen);
  });

  it('policy redis: one counter in Redis for every gateway process', async () => {
    const plugin = { name: 'rate-limiting', config: { minute: 4, limit_by: 'ip', policy: 'redis', redis: { host: 'redis' } } };
    const a = await gatewayWith([plugin], { REDIS_URL });
    // A second process with the same kong.yml (same route id): same Redis keys.
    const b = await startGateway({
      config: {
        _format_version: '3.0',
        services: [{ name: `${run}-svc`, url: upstream.url, routes: [{ name: a.config.routes[0]!.name, paths: ['/api'], plugins: [plugin] }] }],
      },
      env: { REDIS_URL },
    });
    gateways.push(b);
    await awayFromMinuteEdge();
    const remaining: (string | null)[] = [];
    for (const gw of [a, b, a, b]) remaining.push((await gw.fetch('/api/x')).headers.get('x-ratelimit-remaining-minute'));
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await b.fetch('/api/x');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  it('Redis down: fault_tolerant true proxies without headers; false answers Kong\'s 500', async () => {
    const limit = (faultTolerant: boolean) => ({
      name: 'rate-limiting',
      config: { minute: 1, policy: 'redis', redis: { host: 'redis' }, fault_tolerant: faultTolerant },
    });
    // One gateway for both (its start waits for the unreachable Redis a while).
    const gw = await startGateway({
      config: {
        _format_version: '3.0',
        services: [
          {
            name: `${run}-down`,
            url: upstream.url,
            routes: [
              { name: `${run}-tolerant`, paths: ['/tolerant'], plugins: [limit(true)] },
              { name: `${run}-strict`, paths: ['/strict'], plugins: [limit(false)] },
            ],
          },
        ],
      },
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
    });
    gateways.push(gw);

    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await gw.fetch('/tolerant/things');
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(500);
      expect(res.headers.get('x-ratelimit-limit-minute')).toBeNull();
      expect(res.headers.get('ratelimit-remaining')).toBeNull();
    }

    const seen = upstream.requests.length;
    const res = await gw.fetch('/strict/things');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-ratelimit-limit-minute')).toBeNull();
    expect(await res.json()).toMatchObject({ status_code: 500, error: { code: 'SYS_001', message: 'An unexpected error occurred' } });
    expect(upstream.requests.length).toBe(seen);
  });

  it('a policy redis file without REDIS_URL stops the start', async () => {
    await expect(
      gatewayWith([{ name: 'rate-limiting', config: { minute: 1, policy: 'redis', redis: { host: 'redis' } } }]),
    ).rejects.toThrow(/REDIS_URL/);
  });
});
