/**
 * Waits before each retry of a failed webhook delivery: exponential steps with full jitter (a
 * uniform wait in (0, step]), so endpoints coming back after an outage are not hit by every
 * sender at once. With the default steps the expected total is about a day (the last step is
 * 24 h), the worst case about two.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/**
 * The wait after failed attempt number `attempt` (1-based), or null when the schedule is used up
 * and the delivery is dead. Never below 10% of the step, so a retry is never instant.
 */
export function retryDelayMs(attempt: number, schedule: readonly number[], random: () => number = Math.random): number | null {
  const step = schedule[attempt - 1];
  if (step === undefined) return null;
  return Math.max(Math.ceil(step * random()), Math.ceil(step / 10));
}
