// Kong's prometheus plugin (3.10), log phase: per request, into the gateway's registry (served by
// the status listener's /metrics) under Kong's metric names, labels and buckets:
//   kong_http_requests_total{service,route,code,source,consumer}   status_code_metrics
//   kong_request_latency_ms / kong_upstream_latency_ms / kong_kong_latency_ms {service,route}
//                                                                  latency_metrics (histograms)
//   kong_bandwidth_bytes{service,route,direction,consumer}         bandwidth_metrics
// consumer is the consumer's username with per_consumer, else "". Every flag defaults to false, as in
// Kong. upstream_health_metrics reports Kong's upstream/target entities, which this gateway does not
// have (kong.yml upstreams are refused), so it has nothing to export.
import { Counter, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import type { PluginDefinition, RequestContext } from './plugin.ts';

const notImplemented = (field: string) =>
  z.literal(false, { error: `${field} is not implemented by this gateway` }).default(false);

export const prometheusSchema = z.strictObject({
  per_consumer: z.boolean().default(false),
  status_code_metrics: z.boolean().default(false),
  latency_metrics: z.boolean().default(false),
  bandwidth_metrics: z.boolean().default(false),
  upstream_health_metrics: z.boolean().default(false),
  ai_metrics: notImplemented('ai_metrics'),
  wasm_metrics: notImplemented('wasm_metrics'),
});

// kong/plugins/prometheus/exporter.lua
const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000];
const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];

type KongMetrics = {
  status: Counter;
  requestLatency: Histogram;
  upstreamLatency: Histogram;
  kongLatency: Histogram;
  bandwidth: Counter;
};

// One set per registry: every prometheus plugin entry (global, per service, per route) feeds the same
// series, as all of Kong's do.
const metricsByRegistry = new WeakMap<Registry, KongMetrics>();

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry, name: string, help: string, buckets: number[]): Histogram {
  return (
    (registry.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({ name, help, labelNames: ['service', 'route'], buckets, registers: [registry] })
  );
}

export function kongMetrics(registry: Registry): KongMetrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    metrics = {
      status: counter(registry, 'kong_http_requests_total', 'HTTP status codes per consumer/service/route in Kong', [
        'service',
        'route',
        'code',
        'source',
        'consumer',
      ]),
      requestLatency: histogram(registry, 'kong_request_latency_ms', 'Total latency incurred during requests for each service/route in Kong', UPSTREAM_LATENCY_BUCKETS),
      upstreamLatency: histogram(registry, 'kong_upstream_latency_ms', 'Latency added by upstream response for each service/route in Kong', UPSTREAM_LATENCY_BUCKETS),
      kongLatency: histogram(registry, 'kong_kong_latency_ms', 'Latency added by Kong and enabled plugins for each service/route in Kong', KONG_LATENCY_BUCKETS),
      bandwidth: counter(registry, 'kong_bandwidth_bytes', 'Total bandwidth (ingress/egress) throughput in bytes', [
        'service',
        'route',
        'direction',
        'consumer',
      ]),
    };
    metricsByRegistry.set(registry, metrics);
  }
  return metrics;
}

const elapsedMs = (ctx: RequestContext) => Number(process.hrtime.bigint() - ctx.startedAt) / 1e6;

export const prometheusPlugin: PluginDefinition<typeof prometheusSchema> = {
  name: 'prometheus',
  priority: 13,
  schema: prometheusSchema,
  create(config, env) {
    const metrics = kongMetrics(env.metrics);
    // The {service, route} labels of a route never change: built once per route, not per request.
    const routeLabels = new Map<string, { service: string; route: string }>();
    const labelsOf = (ctx: RequestContext) => {
      let labels = routeLabels.get(ctx.route.id);
      if (!labels) {
        labels = { service: ctx.service.name || ctx.service.host, route: ctx.route.name || ctx.route.id };
        routeLabels.set(ctx.route.id, labels);
      }
      return labels;
    };

    return {
      log(ctx, info) {
        const labels = labelsOf(ctx);
        const { service, route } = labels;
        // Kong's label is the consumer's username; a consumer known only by custom_id gives "".
        const consumer = config.per_consumer ? (ctx.consumer?.username ?? '') : '';

        if (config.bandwidth_metrics) {
          if (info.requestSize > 0) metrics.bandwidth.inc({ service, route, direction: 'ingress', consumer }, info.requestSize);
          if (info.responseSize > 0) metrics.bandwidth.inc({ service, route, direction: 'egress', consumer }, info.responseSize);
        }
        if (config.status_code_metrics) {
          // kong.response.get_source(): "service" when the upstream's response was relayed, "kong" when
          // the gateway or a plugin answered (a 502/504 after an upstream failure included). The
          // proxy sets X-Kong-Upstream-Latency only on relayed responses, as Kong does.
          const source = ctx.res.getHeader('x-kong-upstream-latency') === undefined ? 'kong' : 'service';
          metrics.status.inc({ service, route, code: info.status, source, consumer });
        }
        if (config.latency_metrics) {
          metrics.requestLatency.observe(labels, elapsedMs(ctx));
          if (info.upstreamLatencyMs !== null && info.upstreamLatencyMs >= 0) metrics.upstreamLatency.observe(labels, info.upstreamLatencyMs);
          if (info.proxyLatencyMs >= 0) metrics.kongLatency.observe(labels, info.proxyLatencyMs);
        }
      },
    };
  },
};
