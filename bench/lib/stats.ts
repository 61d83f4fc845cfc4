// Latency and rate arithmetic shared by every measurement.

export type Summary = { count: number; seconds: number; per_s: number; p50_ms: number; p99_ms: number; max_ms: number };

/** Nearest-rank percentile of an ascending list (ms). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export function summarize(latenciesMs: number[], elapsedMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    seconds: round(elapsedMs / 1000, 3),
    per_s: round(sorted.length / (elapsedMs / 1000), 1),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.at(-1) ?? NaN),
  };
}
