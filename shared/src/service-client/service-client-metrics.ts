import client from 'prom-client';
import { metricsRegistry } from '../http/metrics.ts';

export const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE;

export const breakerStateGauge = new client.Gauge({
  name: 'service_client_breaker_state',
  help: 'Circuit breaker state per target service (0 closed, 1 half-open, 2 open)',
  labelNames: ['target'] as const,
  registers: [metricsRegistry],
});

/** Outcome of a whole call (after retries): ok, client_error, timeout, unavailable, breaker_open, fallback, bad_answer, server_error. */
export const serviceCallsTotal = new client.Counter({
  name: 'service_client_requests_total',
  help: 'Calls to other services by target, method and outcome',
  labelNames: ['target', 'method', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const serviceCallDuration = new client.Histogram({
  name: 'service_client_request_duration_seconds',
  help: 'Latency of calls to other services, retries included',
  labelNames: ['target', 'method', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const serviceCallRetriesTotal = new client.Counter({
  name: 'service_client_retries_total',
  help: 'Retried attempts of idempotent calls, by target',
  labelNames: ['target'] as const,
  registers: [metricsRegistry],
});
