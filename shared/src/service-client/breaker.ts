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
  /** Drops this holder's claim; the breaker stops when the last client of its target closes. */
  release: () => void;
};

/** opossum's code for a call refused because the breaker is open (or half-open with its trial in flight). */
export const isBreakerOpenError = (err: unknown): boolean => (err as { code?: string })?.code === 'EOPENBREAKER';

type Shared = { breaker: CircuitBreaker<[() => Promise<unknown>], unknown>; holders: number };

// The breaker belongs to the target, not to a client object: every client of one target in this
// process shares it (and its gauge series). The first client's options win.
const breakers = new Map<string, Shared>();

/** The process's breaker for a target, created on first use. */
export function acquireBreaker(target: string, options: BreakerOptions = {}, logger?: Logger): Breaker {
  let shared = breakers.get(target);
  if (!shared) {
    shared = { breaker: createBreaker(target, options, logger), holders: 0 };
    breakers.set(target, shared);
  }
  shared.holders++;
  const { breaker } = shared;
  let released = false;
  return {
    fire: <T>(attempt: () => Promise<T>) => breaker.fire(attempt) as Promise<T>,
    state: () => stateOf(breaker),
    release: () => {
      if (released) return;
      released = true;
      if (--shared.holders > 0) return;
      breakers.delete(target);
      breaker.shutdown();
    },
  };
}

const stateOf = (breaker: CircuitBreaker<[() => Promise<unknown>], unknown>): BreakerState =>
  breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed';

function createBreaker(target: string, options: BreakerOptions, logger?: Logger) {
  const resetTimeoutMs = options.resetTimeoutMs ?? 10_000;
  const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((attempt) => attempt(), {
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

  const report = () => breakerStateGauge.set({ target }, BREAKER_STATE[stateOf(breaker)]);
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

  return breaker;
}
