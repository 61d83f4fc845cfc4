import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError, type PluginHandlers, type RequestContext } from '../src/plugins/plugin.ts';
import { rateLimitingPlugin } from '../src/plugins/rate-limiting.ts';
import { periodEnd, periodStart, resetSeconds } from '../src/plugins/rate-limiting/windows.ts';
import { fakeContext, type FakeContextOptions } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

const schema = rateLimitingPlugin.schema;
const issuesOf = (config: Record<string, unknown>) => schema.safeParse(config).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

/** Runs access; returns the GatewayError it threw, or the response headers it set. */
function call(plugin: PluginHandlers, options: FakeContextOptions = {}): { ctx: RequestContext; error?: GatewayError } {
  const ctx = fakeContext(options);
  try {
    const result = plugin.access!(ctx);
    if (result instanceof Promise) throw new Error('local policy must answer synchronously');
    return { ctx };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ctx, error };
  }
}

describe('rate-limiting config', () => {
  it("applies Kong 3.10's defaults", () => {
    expect(schema.parse({ minute: 5 })).toEqual({
      minute: 5,
      limit_by: 'consumer',
      policy: 'local',
      fault_tolerant: true,
      redis: { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false },
      hide_client_headers: false,
      error_code: 429,
      error_message: 'API rate limit exceeded',
      sync_rate: -1,
    });
  });

  it("refuses what real Kong refuses, with Kong's messages", () => {
    expect(issuesOf({})).toEqual([
      ": at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
    ]);
    expect(issuesOf({ minute: 10, hour: 5 })).toEqual(['hour: The limit for hour(5.0) cannot be lower than the limit for minute(10.0)']);
    expect(issuesOf({ minute: 0 })[0]).toMatch(/^minute: /);
    expect(issuesOf({ minute: 1, policy: 'redis' })).toEqual(['redis.host: required field missing']);
    expect(issuesOf({ minute: 1, limit_by: 'header' })).toEqual(['header_name: required field missing']);
    expect(issuesOf({ minute: 1, limit_by: 'path' })).toEqual(['path: required field missing']);
    expect(issuesOf({ minute: 1, limit_by: 'header', header_name: 'x y' })[0]).toContain("bad header name 'x y'");
    expect(issuesOf({ minute: 1, limit_by: 'path', path: 'api' })).toEqual(['path: should start with: /']);
  });

  it('names what this gateway does not implement instead of ignoring it', () => {
    expect(issuesOf({ minute: 1, policy: 'cluster' })[0]).toMatch(/^policy: policy 'cluster' needs Kong's database/);
    expect(issuesOf({ minute: 1, policy: 'redis', redis: { host: 'r' }, sync_rate: 10 })).toEqual([
      'sync_rate: sync_rate other than -1 (batched counter sync) is not implemented by this gateway',
    ]);
    expect(issuesOf({ minute: 1, limit_by: 'consumer-group' })[0]).toMatch(/^limit_by: limit_by 'consumer-group' is not implemented/);
    expect(issuesOf({ minute: 1, redis: { host: 'r', sentinel_master: 'm' } })).toEqual([
      'redis.sentinel_master: Redis Sentinel (config.redis.sentinel_master) is not implemented by this gateway',
    ]);
    expect(issuesOf({ minute: 1, redis: { cluster_nodes: [{ ip: '10.0.0.1', port: 6379 }] } })[0]).toMatch(/Redis Cluster/);
    expect(issuesOf({ minute: 1, redis_host: 'r' })[0]).toBe(
      'redis_host: config.redis_host is a deprecated shorthand not accepted here; write config.redis.host',
    );
    expect(issuesOf({ minute: 1, burst: 3 })[0]).toMatch(/Unrecognized key/);
  });

  it("refuses policy redis when the gateway has no REDIS_URL", () => {
    expect(() => instantiate(rateLimitingPlugin, { minute: 1, policy: 'redis', redis: { host: 'redis' } })).toThrow(
      "rate-limiting: policy 'redis' needs the gateway's REDIS_URL",
    );
  });
});

describe("Kong's windows", () => {
  it('align on UTC boundaries, months and years on the calendar', () => {
    const now = Date.UTC(2026, 1, 15, 13, 45, 30, 250); // 2026-02-15T13:45:30.250Z
    expect(periodStart('second', now)).toBe(Date.UTC(2026, 1, 15, 13, 45, 30));
    expect(periodStart('minute', now)).toBe(Date.UTC(2026, 1, 15, 13, 45));
    expect(periodStart('hour', now)).toBe(Date.UTC(2026, 1, 15, 13));
    expect(periodStart('day', now)).toBe(Date.UTC(2026, 1, 15));
    expect(periodStart('month', now)).toBe(Date.UTC(2026, 1, 1));
    expect(periodStart('year', now)).toBe(Date.UTC(2026, 0, 1));
    expect(periodEnd('month', Date.UTC(2026, 11, 1))).toBe(Date.UTC(2027, 0, 1));
    expect(periodEnd('year', Date.UTC(2026, 0, 1))).toBe(Date.UTC(2027, 0, 1));
  });

  it('reset as Kong computes it: 30-day months, 365-day years, never below 1', () => {
    const now = Date.UTC(2026, 1, 15, 13, 45, 30, 250);
    expect(resetSeconds('minute', periodStart('minute', now), now)).toBe(30);
    expect(resetSeconds('second', periodStart('second', now), now)).toBe(1);
    expect(resetSeconds('month', periodStart('month', now), now)).toBe(2_592_000 - (14 * 86_400 + 13 * 3600 + 45 * 60 + 30));
    // The 31st day of a month is past Kong's 30-day month: Reset stays at 1.
    const late = Date.UTC(2026, 0, 31, 12);
    expect(resetSeconds('month', periodStart('month', late), late)).toBe(1);
  });
});

describe('rate-limiting, policy local', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 1, 15, 13, 45, 15));
  });
  afterEach(() => vi.useRealTimers());

  it('counts down, then answers 429 with the headers and Retry-After (Kong spec: 6/minute)', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 6, limit_by: 'ip' });
    const remaining: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { ctx, error } = call(plugin);
      expect(error).toBeUndefined();
      expect(ctx.responseHeaders).toEqual({
        'X-RateLimit-Limit-Minute': '6',
        'X-RateLimit-Remaining-Minute': String(5 - i),
        'RateLimit-Limit': '6',
        'RateLimit-Remaining': String(5 - i),
        'RateLimit-Reset': '45',
      });
      remaining.push(ctx.responseHeaders['RateLimit-Remaining'] as string);
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);

    const { ctx, error } = call(plugin);
    expect(error).toMatchObject({ status: 429, message: 'API rate limit exceeded', code: 'RATE_429' });
    expect(error!.headers).toEqual({
      'X-RateLimit-Limit-Minute': '6',
      'X-RateLimit-Remaining-Minute': '0',
      'RateLimit-Limit': '6',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '45',
      'Retry-After': '45',
    });
    expect(ctx.responseHeaders).toEqual({});
  });

  it('does not count refused requests, and a new window starts from zero', () => {
    const plugin = instantiate(rateLimitingPlugin, { second: 1, limit_by: 'ip' });
    expect(call(plugin).error).toBeUndefined();
    expect(call(plugin).error?.status).toBe(429);
    expect(call(plugin).error?.status).toBe(429);
    vi.setSystemTime(Date.UTC(2026, 1, 15, 13, 45, 16));
    const { ctx, error } = call(plugin);
    expect(error).toBeUndefined();
    expect(ctx.responseHeaders['X-RateLimit-Remaining-Second']).toBe('0');
  });

  it('with several windows, RateLimit-* describe the most constrained one (the longer on a tie)', () => {
    const plugin = instantiate(rateLimitingPlugin, { second: 2, minute: 4, hour: 100, limit_by: 'ip' });
    let headers = call(plugin).ctx.responseHeaders;
    expect(headers).toMatchObject({
      'X-RateLimit-Limit-Second': '2',
      'X-RateLimit-Remaining-Second': '1',
      'X-RateLimit-Remaining-Minute': '3',
      'X-RateLimit-Remaining-Hour': '99',
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '1',
      'RateLimit-Reset': '1',
    });
    call(plugin);
    // Next second: second 1 left, minute 1 left → the tie goes to the minute.
    vi.setSystemTime(Date.UTC(2026, 1, 15, 13, 45, 16));
    headers = call(plugin).ctx.responseHeaders;
    expect(headers).toMatchObject({ 'RateLimit-Limit': '4', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '44' });
    headers = call(plugin).ctx.responseHeaders;
    expect(headers).toMatchObject({ 'X-RateLimit-Remaining-Second': '0', 'RateLimit-Limit': '4', 'RateLimit-Remaining': '0' });
    vi.setSystemTime(Date.UTC(2026, 1, 15, 13, 45, 17));

    // The minute is used up: only the stopping window counts the current request.
    const { error } = call(plugin);
    expect(error!.headers).toMatchObject({
      'X-RateLimit-Remaining-Second': '2',
      'X-RateLimit-Remaining-Minute': '0',
      'X-RateLimit-Remaining-Hour': '96',
      'RateLimit-Limit': '4',
      'RateLimit-Remaining': '0',
      'Retry-After': '43',
    });
  });

  it('hide_client_headers: no headers, and no Retry-After on the 429', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'ip', hide_client_headers: true });
    expect(call(plugin).ctx.responseHeaders).toEqual({});
    const { error } = call(plugin);
    expect(error).toMatchObject({ status: 429, headers: {} });
  });

  it('answers with error_code and error_message when configured', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'ip', error_code: 404, error_message: 'Fake Not Found' });
    call(plugin);
    expect(call(plugin).error).toMatchObject({ status: 404, message: 'Fake Not Found', code: 'RATE_429' });
  });

  it('limit_by consumer counts per consumer, then per credential, then per IP', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1 });
    const alice = { id: 'c-alice', username: 'alice', tags: [] };
    const bob = { id: 'c-bob', username: 'bob', tags: [] };
    expect(call(plugin, { consumer: alice, clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { consumer: alice, clientIp: '10.0.0.2' }).error?.status).toBe(429);
    expect(call(plugin, { consumer: bob, clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { credential: { id: 'cred-1', kind: 'key-auth' } }).error).toBeUndefined();
    expect(call(plugin, { clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { clientIp: '10.0.0.1' }).error?.status).toBe(429);
  });

  it('limit_by credential ignores the consumer', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'credential' });
    const credential = { id: 'cred-1', kind: 'jwt' as const };
    expect(call(plugin, { credential, consumer: { id: 'a', tags: [] } }).error).toBeUndefined();
    expect(call(plugin, { credential, consumer: { id: 'b', tags: [] } }).error?.status).toBe(429);
  });

  it('limit_by header uses the first value of the header, the IP without it', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'header', header_name: 'X-Tenant' });
    expect(call(plugin, { headers: { 'x-tenant': ['a', 'b'] } }).error).toBeUndefined();
    expect(call(plugin, { headers: { 'X-Tenant': 'a' }, clientIp: '10.9.9.9' }).error?.status).toBe(429);
    expect(call(plugin, { headers: { 'X-Tenant': 'b' } }).error).toBeUndefined();
    expect(call(plugin, { clientIp: '10.0.0.7' }).error).toBeUndefined();
    expect(call(plugin, { clientIp: '10.0.0.7' }).error?.status).toBe(429);
  });

  it('limit_by path shares one counter for that path; other paths count per IP', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'path', path: '/api/one' });
    expect(call(plugin, { url: '/api/one?x=1', clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { url: '/api/one', clientIp: '10.0.0.2' }).error?.status).toBe(429);
    expect(call(plugin, { url: '/api/two', clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { url: '/api/two', clientIp: '10.0.0.2' }).error).toBeUndefined();
    // Kong compares the normalized path.
    expect(call(plugin, { url: '/api//x/../%6Fne', clientIp: '10.0.0.3' }).error?.status).toBe(429);
  });

  it('limit_by service shares one counter for the service', () => {
    const plugin = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'service' });
    expect(call(plugin, { clientIp: '10.0.0.1' }).error).toBeUndefined();
    expect(call(plugin, { clientIp: '10.0.0.2' }).error?.status).toBe(429);
    expect(call(plugin, { service: { id: 'other-service' } }).error).toBeUndefined();
  });

  it('each plugin entry has its own counters', () => {
    const a = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'ip' });
    const b = instantiate(rateLimitingPlugin, { minute: 1, limit_by: 'ip' });
    expect(call(a).error).toBeUndefined();
    expect(call(b).error).toBeUndefined();
    expect(call(a).error?.status).toBe(429);
  });
});
