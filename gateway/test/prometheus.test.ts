// prometheus's log handler on hand-made contexts: Kong's metric names, labels and buckets, and each
// config flag switching its metrics on.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PluginEnv, RequestContext } from '../src/plugins/plugin.ts';
import { prometheusPlugin } from '../src/plugins/prometheus.ts';
import { fakeContext } from './fakes/request-context.ts';

type LogInfo = Parameters<NonNullable<ReturnType<typeof prometheusPlugin.create>['log']>>[1];

/** A request whose response the upstream gave (the proxy marks those with X-Kong-Upstream-Latency). */
function relayed(options: Parameters<typeof fakeContext>[0] = {}) {
  const ctx = fakeContext(options);
  ctx.res.setHeader('x-kong-upstream-latency', '12');
  return ctx;
}

const proxied: LogInfo = { status: 200, upstreamLatencyMs: 12, proxyLatencyMs: 3, requestSize: 300, responseSize: 1200 };
const rejected: LogInfo = { status: 401, upstreamLatencyMs: null, proxyLatencyMs: 1, requestSize: 150, responseSize: 180 };

function plugin(config: Record<string, unknown>, registry = new Registry()) {
  const handlers = prometheusPlugin.create(prometheusPlugin.schema.parse(config), { metrics: registry } as PluginEnv, {
    id: 'p1',
    name: 'prometheus',
    enabled: true,
    config,
  });
  const log = (ctx: RequestContext, info: LogInfo) => handlers.log?.(ctx, info);
  return { registry, log };
}

async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name.replace(/_(bucket|sum|count)$/, ''));
  const value = (metric?.values as { metricName?: string; labels: Record<string, string | number>; value: number }[] | undefined)?.find(
    (v) => (v.metricName ?? metric?.name) === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  );
  return value?.value;
}

const everything = { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true };
const ann = { id: 'c1', username: 'ann', tags: [] };

describe('prometheus config', () => {
  it("defaults every flag to false, as Kong, and refuses what it cannot export", () => {
    expect(prometheusPlugin.schema.parse({})).toEqual({
      per_consumer: false,
      status_code_metrics: false,
      latency_metrics: false,
      bandwidth_metrics: false,
      upstream_health_metrics: false,
      ai_metrics: false,
      wasm_metrics: false,
    });
    expect(prometheusPlugin.schema.safeParse({ ai_metrics: true }).error?.issues[0]?.message).toBe('ai_metrics is not implemented by this gateway');
    expect(prometheusPlugin.schema.safeParse({ upstream_health_metrics: true }).success).toBe(true);
  });
});

describe('prometheus log', () => {
  it("counts requests by service, route, code, source and consumer under Kong's names", async () => {
    const { registry, log } = plugin(everything);
    log(relayed({ consumer: ann }), proxied);
    log(relayed({ consumer: ann }), proxied);
    log(fakeContext(), rejected);
    // A 502 after the upstream failed is the gateway's answer, though an upstream was tried.
    log(fakeContext(), { ...proxied, status: 502 });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE kong_http_requests_total counter');
    expect(text).toContain('kong_http_requests_total{service="echo",route="echo-route",code="200",source="service",consumer="ann"} 2');
    expect(text).toContain('kong_http_requests_total{service="echo",route="echo-route",code="401",source="kong",consumer=""} 1');
    expect(text).toContain('kong_http_requests_total{service="echo",route="echo-route",code="502",source="kong",consumer=""} 1');
  });

  it('observes request, upstream and gateway latency in histograms with their own buckets', async () => {
    const { registry, log } = plugin(everything);
    log(fakeContext(), proxied);
    log(fakeContext(), rejected);
    const route = { service: 'echo', route: 'echo-route' };
    expect(await sample(registry, 'kong_request_latency_ms_count', route)).toBe(2);
    // The gateway's own answer never reached an upstream: no upstream latency for it.
    expect(await sample(registry, 'kong_upstream_latency_ms_count', route)).toBe(1);
    expect(await sample(registry, 'kong_upstream_latency_ms_sum', route)).toBe(12);
    expect(await sample(registry, 'kong_kong_latency_ms_sum', route)).toBe(4);
    expect(await sample(registry, 'kong_kong_latency_ms_bucket', { ...route, le: '1' })).toBe(1);
    expect(await sample(registry, 'kong_kong_latency_ms_bucket', { ...route, le: '5' })).toBe(2);
    expect(await sample(registry, 'kong_upstream_latency_ms_bucket', { ...route, le: '25' })).toBe(1);
    const text = await registry.metrics();
    expect(text).toContain('kong_kong_latency_ms_bucket{le="750",service="echo",route="echo-route"}');
    expect(text).toContain('kong_request_latency_ms_bucket{le="60000",service="echo",route="echo-route"}');
  });

  it('adds request and response bytes to kong_bandwidth_bytes by direction', async () => {
    const { registry, log } = plugin(everything);
    log(fakeContext({ consumer: ann }), proxied);
    log(fakeContext({ consumer: ann }), { ...proxied, requestSize: 0 });
    const labels = { service: 'echo', route: 'echo-route', consumer: 'ann' };
    expect(await sample(registry, 'kong_bandwidth_bytes', { ...labels, direction: 'ingress' })).toBe(300);
    expect(await sample(registry, 'kong_bandwidth_bytes', { ...labels, direction: 'egress' })).toBe(2400);
  });

  it('records only what its flags ask for; the consumer label stays empty without per_consumer', async () => {
    const { registry, log } = plugin({ status_code_metrics: true });
    log(relayed({ consumer: ann }), proxied);
    const text = await registry.metrics();
    expect(text).toContain('kong_http_requests_total{service="echo",route="echo-route",code="200",source="service",consumer=""} 1');
    expect(text).not.toMatch(/^kong_request_latency_ms_count/m);
    expect(text).not.toMatch(/^kong_bandwidth_bytes\{/m);

    const none = plugin({});
    none.log(fakeContext(), proxied);
    expect(await none.registry.metrics()).not.toMatch(/^kong_\w+\{/m);
  });

  it('labels a route without a name by its id, a service without a name by its host, a consumer without username as ""', async () => {
    const { registry, log } = plugin(everything);
    log(relayed({ route: { name: '' }, service: { name: '' }, consumer: { id: 'c2', customId: 'x', tags: [] } }), proxied);
    expect(await registry.metrics()).toContain(
      'kong_http_requests_total{service="127.0.0.1",route="22222222-2222-4222-8222-222222222222",code="200",source="service",consumer=""} 1',
    );
  });

  it('shares one set of series between the prometheus entries of one gateway', async () => {
    const registry = new Registry();
    const global = plugin({ status_code_metrics: true }, registry);
    const perService = plugin({ status_code_metrics: true }, registry);
    global.log(fakeContext(), proxied);
    perService.log(fakeContext(), proxied);
    expect(await sample(registry, 'kong_http_requests_total', { code: '200' })).toBe(2);
  });
});
