import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until at least `ms` have passed since `startedAt` (a performance.now() reading). Anonymous
 * requests that look an email up answer after the same floor whether or not the account exists, so
 * response time does not tell which emails are registered.
 */
export async function waitUntilElapsed(startedAt: number, ms: number): Promise<void> {
  const left = ms - (performance.now() - startedAt);
  if (left > 0) await sleep(left);
}
