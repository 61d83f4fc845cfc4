// What Kong's rate-limiting access phase does once it knows the usage of every configured window
// (kong/plugins/rate-limiting/handler.lua): which window stops the request, and the headers.
import { EXPIRATION, X_LIMIT_HEADER, X_REMAINING_HEADER, resetSeconds, type Period } from './windows.ts';

export type Window = { period: Period; limit: number };

/**
 * Kong: a window stops the request when its usage has reached its limit; the last such window (in
 * second…year order here, Lua's pairs order in Kong) is `stop`.
 */
export function findStop(windows: readonly Window[], usage: readonly number[]): Period | undefined {
  let stop: Period | undefined;
  for (let i = 0; i < windows.length; i++) {
    if (windows[i]!.limit - usage[i]! <= 0) stop = windows[i]!.period;
  }
  return stop;
}

/**
 * Writes X-RateLimit-Limit/Remaining-<Window> for every window and RateLimit-Limit/Remaining/Reset
 * for the window with the fewest remaining requests (the longer one on a tie); returns that reset
 * in seconds (Kong's Retry-After on a 429). Remaining counts include the current request, except
 * on the other windows of a stopped request.
 */
export function writeHeaders(
  windows: readonly Window[],
  usage: readonly number[],
  starts: readonly number[],
  nowMs: number,
  stop: Period | undefined,
  headers: Record<string, string | string[]>,
): number {
  let limit = 0;
  let remaining = 0;
  let window = 0;
  let reset = 0;
  for (let i = 0; i < windows.length; i++) {
    const { period, limit: currentLimit } = windows[i]!;
    let currentRemaining = currentLimit - usage[i]!;
    if (stop === undefined || stop === period) currentRemaining -= 1;
    currentRemaining = Math.max(0, currentRemaining);
    const currentWindow = EXPIRATION[period];
    if (i === 0 || currentRemaining < remaining || (currentRemaining === remaining && currentWindow > window)) {
      limit = currentLimit;
      remaining = currentRemaining;
      window = currentWindow;
      reset = resetSeconds(period, starts[i]!, nowMs);
    }
    headers[X_LIMIT_HEADER[period]] = String(currentLimit);
    headers[X_REMAINING_HEADER[period]] = String(currentRemaining);
  }
  headers['RateLimit-Limit'] = String(limit);
  headers['RateLimit-Remaining'] = String(remaining);
  headers['RateLimit-Reset'] = String(reset);
  return reset;
}
