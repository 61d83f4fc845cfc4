// rate-limiting with policy redis against the real Redis: Kong's key layout, windows, headers, and
// what happens while Redis is down (fault_tolerant true / false). Keys live under a per-run prefix.
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testPrefix } from '@platform/shared/testing';
import { GatewayError, type PluginHandlers } from '../src/plugins/plugin.ts';
import { rateLimitingPlugin } from '../src/plugins/rate-limiting.ts';
import { fakeContext, testRoute, testService, type FakeContextOptions } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${testPrefix('gw_rl')}:`;
const NOW = Date.UTC(2026, 1, 15, 13, 45, 15);
const MINUTE_START = Date.UTC(2026, 1, 15, 13, 45);
const EMPTY = '00000000-0000-0000-0000-000000000000';

// As the gateway's own client (app/redis-client.ts): no offline queue, short command timeout, auto-pipelining.
const clientOptions = {
  keyPrefix: prefix,
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  commandTimeout: 500,
  maxRetriesPerRequest: 1,
};
let redis: Redis;
let raw: Redis;

async function call(plugin: PluginHandlers, options: FakeContextOptions = {}) {
  const ctx = fakeContext(options);
  try {
    await plugin.access!(ctx);
    return { ctx, error: undefined };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ctx, error };
  }
}

const redisConfig = (config: Record<string, unknown>) => ({ policy: 'redis', redis: { host: 'redis' }, ...config });

beforeAll(async () => {
  redis = new Redis(REDIS_URL, clientOptions);
  raw = new Redis(REDIS_URL);
  // Without an offline queue, commands fail until the connection is ready.
  await new Promise((resolve) => redis.once('ready', resolve));
  await raw.ping();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => vi.setSystemTime(NOW));

afterAll(async () => {
  vi.useRealTimers();
  const keys = await raw.keys(`${prefix}*`);
  if (keys.length) await raw.del(...keys);
  redis.disconnect();
  raw.disconnect();
});

describe('rate-limiting, policy redis', () => {
  it("counts in Kong's keys and answers 429 with the headers (6/minute by IP)", async () => {
    const plugin = instantiate(rateLimitingPlugin, redisConfig({ minute: 6, limit_by: 'ip' }), {
      redis,
      scope: { routeId: testRoute.id },
    });
    for (let i = 0; i < 6; i++) {
      const { ctx, error } = await call(plugin, { clientIp: '10.1.0.1' });
      expect(error).toBeUndefined();
      expect(ctx.responseHeaders).toEqual({
        'X-RateLimit-Limit-Minute': '6',
        'X-RateLimit-Remaining-Minute': String(5 - i),
        'RateLimit-Limit': '6',
        'RateLimit-Remaining': String(5 - i),
        'RateLimit-Reset': '45',
      });
    }
    const { error } = await call(plugin, { clientIp: '10.1.0.1' });
    expect(error).toMatchObject({ status: 429, message: 'API rate limit exceeded', code: 'RATE_429' });
    expect(error!.headers).toMatchObject({ 'RateLimit-Remaining': '0', 'Retry-After': '45' });

    // ratelimit:<route_id>:<service_id>:<identifier>:<period_date>:<period>; a route-scoped plugin has no service_id.
    const key = `${prefix}ratelimit:${testRoute.id}:${EMPTY}:10.1.0.1:${MINUTE_START}:minute`;
    // Kong's redis policy increments while reading, so the refused request is counted too.
    expect(await raw.get(key)).toBe('7');
    const ttl = await raw.ttl(key);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    // Another client is not affected.
    expect((await call(plugin, { clientIp: '10.1.0.2' })).error).toBeUndefined();
  });

  it('shares a service-wide counter between routes, and keeps plugin scopes apart', async () => {
    const serviceWide = instantiate(rateLimitingPlugin, redisConfig({ second: 1, minute: 2, limit_by: 'ip' }), {
      redis,
      scope: { serviceId: testService.id },
    });
    const otherRoute = { id: '33333333-3333-4333-8333-333333333333' };
    expect((await call(serviceWide, { clientIp: '10.2.0.1' })).error).toBeUndefined();
    expect((await call(serviceWide, { clientIp: '10.2.0.1', route: otherRoute })).error?.status).toBe(429);
    expect(await raw.get(`${prefix}ratelimit:${EMPTY}:${testService.id}:10.2.0.1:${NOW}:second`)).toBe('2');

    // Next second: the refused request was counted in the minute too (Kong's redis semantics), so
    // the minute is used up although only one request went through.
    vi.setSystemTime(NOW + 1000);
    const { error } = await call(serviceWide, { clientIp: '10.2.0.1' });
    expect(error?.headers).toMatchObject({ 'X-RateLimit-Remaining-Second': '1', 'X-RateLimit-Remaining-Minute': '0', 'Retry-After': '44' });

    const globalPlugin = instantiate(rateLimitingPlugin, redisConfig({ minute: 1, limit_by: 'ip' }), { redis });
    expect((await call(globalPlugin, { clientIp: '10.2.0.1' })).error).toBeUndefined();
    expect(await raw.get(`${prefix}ratelimit:${EMPTY}:${EMPTY}:10.2.0.1:${MINUTE_START}:minute`)).toBe('1');
  });

  it('keeps every configured window in one round trip, with a TTL per window', async () => {
    const plugin = instantiate(rateLimitingPlugin, redisConfig({ second: 5, hour: 10, day: 20, month: 30, year: 40, limit_by: 'header', header_name: 'x-tenant' }), {
      redis,
      scope: { routeId: testRoute.id },
    });
    const { ctx } = await call(plugin, { headers: { 'x-tenant': 'acme' } });
    expect(ctx.responseHeaders).toEqual({
      'X-RateLimit-Limit-Second': '5',
      'X-RateLimit-Remaining-Second': '4',
      'X-RateLimit-Limit-Hour': '10',
      'X-RateLimit-Remaining-Hour': '9',
      'X-RateLimit-Limit-Day': '20',
      'X-RateLimit-Remaining-Day': '19',
      'X-RateLimit-Limit-Month': '30',
      'X-RateLimit-Remaining-Month': '29',
      'X-RateLimit-Limit-Year': '40',
      'X-RateLimit-Remaining-Year': '39',
      'RateLimit-Limit': '5',
      'RateLimit-Remaining': '4',
      'RateLimit-Reset': '1',
    });
    const keys = (await raw.keys(`${prefix}ratelimit:${testRoute.id}:${EMPTY}:acme:*`)).sort();
    expect(keys.map((k) => k.split(':').slice(-2).join(':')).sort()).toEqual(
      [
        `${NOW}:second`,
        `${Date.UTC(2026, 1, 15, 13)}:hour`,
        `${Date.UTC(2026, 1, 15)}:day`,
        `${Date.UTC(2026, 1, 1)}:month`,
        `${Date.UTC(2026, 0, 1)}:year`,
      ].sort(),
    );
    for (const key of keys) {
      const period = key.split(':').at(-1)!;
      const max = { second: 1, hour: 3600, day: 86_400, month: 2_592_000, year: 31_536_000 }[period]!;
      const ttl = await raw.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(max);
    }
  });
});

describe('rate-limiting, policy redis, concurrent requests (auto-pipelined)', () => {
  it('counts each of many simultaneous requests exactly once, in one pipeline', async () => {
    const plugin = instantiate(rateLimitingPlugin, redisConfig({ minute: 10, hour: 100, limit_by: 'ip' }), {
      redis,
      scope: { routeId: testRoute.id },
    });
    const pipelinesBefore = redis.autoPipelineQueueSize;
    const pending = Array.from({ length: 25 }, () => call(plugin, { clientIp: '10.3.0.1' }));
    // All 25 scripts wait in the same auto-pipeline: one write for the whole tick.
    expect(redis.autoPipelineQueueSize - pipelinesBefore).toBe(25);
    const results = await Promise.all(pending);
    const remaining = results
      .filter((r) => r.error === undefined)
      .map((r) => Number(r.ctx.responseHeaders['X-RateLimit-Remaining-Minute']))
      .sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.filter((r) => r.error?.status === 429)).toHaveLength(15);
    expect(await raw.get(`${prefix}ratelimit:${testRoute.id}:${EMPTY}:10.3.0.1:${MINUTE_START}:minute`)).toBe('25');
    expect(await raw.get(`${prefix}ratelimit:${testRoute.id}:${EMPTY}:10.3.0.1:${Date.UTC(2026, 1, 15, 13)}:hour`)).toBe('25');
  });
});

describe('rate-limiting, policy redis, Redis down', () => {
  let dead: Redis;

  beforeAll(async () => {
    // A port nothing listens on: bind one, then close it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    dead = new Redis({ host: '127.0.0.1', port, ...clientOptions, retryStrategy: () => 1000 });
    dead.on('error', () => {});
  });

  afterAll(() => dead.disconnect());

  it('fault_tolerant true: the request goes through at once, without rate-limit headers', async () => {
    const plugin = instantiate(rateLimitingPlugin, redisConfig({ minute: 6, limit_by: 'ip' }), { redis: dead });
    const started = performance.now();
    const { ctx, error } = await call(plugin);
    expect(error).toBeUndefined();
    expect(ctx.responseHeaders).toEqual({});
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("fault_tolerant false: Kong's 500 'An unexpected error occurred', without headers", async () => {
    const plugin = instantiate(rateLimitingPlugin, redisConfig({ minute: 6, limit_by: 'ip', fault_tolerant: false }), { redis: dead });
    const { ctx, error } = await call(plugin);
    expect(error).toMatchObject({ status: 500, message: 'An unexpected error occurred', code: 'SYS_001', headers: {} });
    expect(ctx.responseHeaders).toEqual({});
  });
});
