// One measured load against the user service: autocannon on loopback (keep-alive connections, one
// request in flight on each) after a warm-up, latencies in 10 µs buckets (autocannon's own
// histogram keeps whole milliseconds), the service's CPU per request read from /proc, and every
// answer's status counted: a run with a non-2xx answer measures the wrong thing and fails.
import { treeCpuUs } from '../gateway/proc-stats.ts';
import { autocannon, LatencyHistogram, type AutocannonInstance } from '../lib/autocannon.ts';
import { percentile, round } from '../lib/stats.ts';

export type LoadSpec = {
  /** Origin of the service, e.g. http://127.0.0.1:40123. */
  origin: string;
  headers: Record<string, string>;
  /** One path for every request, or a source of a new path per request (cache misses). */
  path: string | (() => string);
  connections: number;
  warmupS: number;
  durationS: number;
  /** The service process, for its CPU per request. */
  pid: number;
};

export type LoadResult = {
  requests: number;
  /** Requests of the warm-up before the measured run. */
  warmup_requests: number;
  seconds: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  service_cpu_us_per_request: number | null;
  statuses: Record<string, number>;
  errors: number;
};

function once(spec: LoadSpec, durationS: number, onResponse?: (status: number, ms: number) => void): AutocannonInstance {
  const { path } = spec;
  const requests = typeof path === 'string'
    ? [{ method: 'GET', path }]
    : [{ method: 'GET', setupRequest: (req: { path?: string }) => ({ ...req, path: path() }) }];
  const instance = autocannon({ url: spec.origin, connections: spec.connections, duration: durationS, headers: spec.headers, requests });
  if (onResponse) instance.on('response', (_client, status, _bytes, ms) => onResponse(status, ms));
  return instance;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const warmup = spec.warmupS > 0 ? await once(spec, spec.warmupS) : undefined;
  const histogram = new LatencyHistogram(5_000);
  const statuses: Record<string, number> = {};
  const cpu0 = treeCpuUs(spec.pid);
  const result = await once(spec, spec.durationS, (status, ms) => {
    histogram.record(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const cpu = treeCpuUs(spec.pid) - cpu0;
  const n = result.requests.total;
  return {
    requests: n,
    warmup_requests: warmup?.requests.total ?? 0,
    seconds: result.duration,
    per_s: round(n / result.duration, 0),
    p50_ms: round(histogram.percentile(50), 2),
    p99_ms: round(histogram.percentile(99), 2),
    max_ms: round(histogram.max, 2),
    service_cpu_us_per_request: n > 0 ? round(cpu / n, 0) : null,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

/**
 * `count` requests one after the other (no warm-up beyond the first, which is not counted): for
 * requests too slow to load with autocannon in a bounded run (deep offset pages at 1M rows).
 */
export async function runSequential(spec: Omit<LoadSpec, 'connections' | 'warmupS' | 'durationS'>, count: number, maxMs: number): Promise<LoadResult> {
  const url = () => `${spec.origin}${typeof spec.path === 'string' ? spec.path : spec.path()}`;
  const get = async () => {
    const res = await fetch(url(), { headers: spec.headers, signal: AbortSignal.timeout(maxMs) });
    await res.arrayBuffer();
    return res.status;
  };
  await get();
  // Raw latencies: these requests may take longer than the histogram's range.
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const cpu0 = treeCpuUs(spec.pid);
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
    const t0 = performance.now();
    const status = await get();
    latencies.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const n = latencies.length;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: n,
    warmup_requests: 1,
    seconds: round(seconds, 2),
    per_s: round(n / seconds, 1),
    p50_ms: round(percentile(sorted, 50), 2),
    p99_ms: round(percentile(sorted, 99), 2),
    max_ms: round(sorted.at(-1) ?? NaN, 2),
    service_cpu_us_per_request: n > 0 ? round((treeCpuUs(spec.pid) - cpu0) / n, 0) : null,
    statuses,
    errors: 0,
  };
}
