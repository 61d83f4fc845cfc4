// autocannon, typed (it ships no types), and a latency histogram finer than its own: autocannon's
// histogram keeps whole milliseconds, loopback latencies need 10 µs steps.
import { createRequire } from 'node:module';

type RawRequest = { path?: string; [key: string]: unknown };
export type AutocannonResult = { duration: number; errors: number; timeouts: number; non2xx: number; requests: { total: number } };
export type AutocannonInstance = PromiseLike<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
};
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  pipelining?: number;
  requests?: { method?: string; path?: string; setupRequest?: (req: RawRequest) => RawRequest }[];
}) => AutocannonInstance;

// Loaded from the root package (a devDependency of the workspace root).
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const BUCKET_MS = 0.01;

/** Latencies in 10 µs buckets up to `maxMs`; slower answers count in the last bucket. */
export class LatencyHistogram {
  private readonly counts: Uint32Array;
  count = 0;
  max = 0;

  constructor(maxMs: number) {
    this.counts = new Uint32Array(Math.round(maxMs / BUCKET_MS));
  }

  record(ms: number): void {
    this.counts[Math.min(this.counts.length - 1, Math.floor(ms / BUCKET_MS))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (i + 1) * BUCKET_MS;
    }
    return NaN;
  }
}
