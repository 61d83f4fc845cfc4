// Runs a task `count` times with at most `concurrency` in flight, stopping early at a time limit,
// so no benchmark loop can run away on a slow machine.

export type BoundedRun = { latenciesMs: number[]; elapsedMs: number; failures: number; firstError?: unknown };

export async function runBounded(
  { count, concurrency, maxMs }: { count: number; concurrency: number; maxMs: number },
  task: (i: number) => Promise<unknown>,
): Promise<BoundedRun> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failures = 0;
  let firstError: unknown;
  const started = performance.now();
  const deadline = started + maxMs;

  async function worker() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      try {
        await task(i);
        latenciesMs.push(performance.now() - t0);
      } catch (err) {
        failures++;
        firstError ??= err;
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, elapsedMs: performance.now() - started, failures, ...(firstError !== undefined && { firstError }) };
}
