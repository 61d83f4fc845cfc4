import CircuitBreaker from 'opossum';
import { isAppError } from '../errors/app-error.ts';
import type { Logger } from '../logger/create-logger.ts';
import { BREAKER_STATE, breakerStateGauge, type BreakerState } from './service-client-metrics.ts';

export type BreakerOptions = {
  /** Failure percentage within the rolling window that opens the breaker (default 50). */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before one trial call is let through (default 10 000 ms). */
  resetTimeoutMs?: number;
  /** Calls within the window before the breaker may open at all (default 5). */
  volumeThreshold?: number;
  /** Length of the rolling statistics window (default 10 000 ms). */
  rollingWindowMs?: number;
};

export type Breaker = {
  fire: <T>(attempt: () => Promise<T>) => Promise<T>;
  state: () => BreakerState;
  shutdown: () => void;
};

/** opossum's code for a call refused because the breaker is open (or half-open with its trial in flight). */
export const isBreakerOpenError = (err: unknown): boolean => (err as { code?: string })?.code === 'EOPENBREAKER';

export function createBreaker(target: string, options: BreakerOptions = {}, logger?: Logger): Breaker {
  const resetTimeoutMs = options.resetTimeoutMs ?? 10_000;
  const breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
    name: target,
    // Each attempt has its own fetch timeout (AbortSignal); a second timer here would only race it.
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    resetTimeout: resetTimeoutMs,
    volumeThreshold: options.volumeThreshold ?? 5,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    // A 4xx means the target is up and answered: it must neither open the breaker nor fail a trial call.
    errorFilter: (err: unknown) => isAppError(err) && err.status < 500,
  });

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
  const report = () => breakerStateGauge.set({ target }, BREAKER_STATE[state()]);
  report();
  breaker.on('open', () => {
    report();
    logger?.warn('circuit breaker opened', { target, reset_timeout_ms: resetTimeoutMs });
  });
  breaker.on('halfOpen', () => {
    report();
    logger?.info('circuit breaker half-open', { target });
  });
  breaker.on('close', () => {
    report();
    logger?.info('circuit breaker closed', { target });
  });

  return {
    fire: <T>(attempt: () => Promise<T>) => breaker.fire(attempt) as Promise<T>,
    state,
    shutdown: () => breaker.shutdown(),
  };
}
