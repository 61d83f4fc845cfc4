// One measured load: autocannon on loopback (keep-alive connections, one request in flight on
// each), a warm-up first, then `durationS` seconds in which the CPU time of the process under test
// (and of the upstream, and of this load generator) is read before and after from /proc.
import { autocannon, LatencyHistogram } from '../lib/autocannon.ts';
import { round } from '../lib/stats.ts';
import { availableParallelism } from 'node:os';
import { machineBusyUs, treeCpuUs } from './proc-stats.ts';

export type LoadSettings = { connections: number; warmupS: number; durationS: number };

export type LoadTarget = {
  url: string;
  headers?: Record<string, string>;
  /** The process whose CPU per request is the figure of the scenario (with its descendants). */
  processPid: number;
  /** The upstream behind it, reported separately (absent when the upstream is the process itself). */
  upstreamPid?: number;
};

export type LoadResult = {
  requests: number;
  seconds: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  timeouts: number;
  non_2xx: number;
  cpu_us_per_request: number | null;
  upstream_cpu_us_per_request: number | null;
  load_generator_cpu_us_per_request: number | null;
  /** Share of one core the process under test used during the measurement. */
  process_cpu_share: number | null;
  /**
   * Share of the machine's cores that everything else used meanwhile (other sessions' work, Redis,
   * the OTLP sink): how disturbed this measurement was. 0 on a quiet machine.
   */
  other_cpu_share: number;
};

export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  const base = { url: target.url, connections: settings.connections, ...(target.headers && { headers: target.headers }) };
  if (settings.warmupS > 0) await autocannon({ ...base, duration: settings.warmupS });

  // Up to 2 s; slower answers count in the last bucket.
  const histogram = new LatencyHistogram(2_000);
  const cpu0 = treeCpuUs(target.processPid);
  const up0 = target.upstreamPid === undefined ? 0 : treeCpuUs(target.upstreamPid);
  const self0 = process.cpuUsage();
  const machine0 = machineBusyUs();
  const instance = autocannon({ ...base, duration: settings.durationS });
  instance.on('response', (_client, _status, _bytes, ms) => histogram.record(ms));
  const result = await instance;
  const self = process.cpuUsage(self0);
  const machine = machineBusyUs() - machine0;
  const cpu = treeCpuUs(target.processPid) - cpu0;
  const up = target.upstreamPid === undefined ? 0 : treeCpuUs(target.upstreamPid) - up0;

  const n = result.requests.total;
  const perRequest = (us: number) => (n > 0 ? round(us / n, 1) : null);
  return {
    requests: n,
    seconds: result.duration,
    per_s: round(n / result.duration, 0),
    p50_ms: round(histogram.percentile(50), 2),
    p99_ms: round(histogram.percentile(99), 2),
    max_ms: round(histogram.max, 2),
    errors: result.errors,
    timeouts: result.timeouts,
    non_2xx: result.non2xx,
    cpu_us_per_request: perRequest(cpu),
    upstream_cpu_us_per_request: target.upstreamPid === undefined ? null : perRequest(up),
    load_generator_cpu_us_per_request: perRequest(self.user + self.system),
    process_cpu_share: round(cpu / (result.duration * 1e6), 2),
    other_cpu_share: round(Math.max(0, machine - cpu - up - self.user - self.system) / (result.duration * 1e6 * availableParallelism()), 2),
  };
}
