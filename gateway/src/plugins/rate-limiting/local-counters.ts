// Policy `local`: counters in this process (Kong keeps them in a worker shared dict). One map per
// configured window, replaced when the window rolls over, so expired counters cost nothing to drop.
import { periodEnd, periodStart } from './windows.ts';
import type { Window } from './verdict.ts';

type Bucket = { start: number; end: number; counts: Map<string, number> };

export type LocalCounters = {
  /** Fills usage[i] (requests counted so far) and starts[i] (window start, ms) for each window. */
  read(identifier: string, nowMs: number, usage: number[], starts: number[]): void;
  /** Counts one request in every window (Kong increments after access lets the request through). */
  increment(identifier: string): void;
};

export function createLocalCounters(windows: readonly Window[]): LocalCounters {
  const buckets: Bucket[] = windows.map(() => ({ start: 0, end: 0, counts: new Map() }));
  return {
    read(identifier, nowMs, usage, starts) {
      for (let i = 0; i < buckets.length; i++) {
        const bucket = buckets[i]!;
        // `< start` too: a clock stepped backwards starts a fresh window instead of reusing a future one.
        if (nowMs >= bucket.end || nowMs < bucket.start) {
          const period = windows[i]!.period;
          bucket.start = periodStart(period, nowMs);
          bucket.end = periodEnd(period, bucket.start);
          bucket.counts = new Map();
        }
        usage[i] = bucket.counts.get(identifier) ?? 0;
        starts[i] = bucket.start;
      }
    },
    increment(identifier) {
      for (const bucket of buckets) bucket.counts.set(identifier, (bucket.counts.get(identifier) ?? 0) + 1);
    },
  };
}
