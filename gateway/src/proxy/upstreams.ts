// One keep-alive agent and one circuit breaker per service, built at load.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import CircuitBreaker from 'opossum';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@platform/shared/logger';
import type { Service } from '../declarative/model.ts';
import { connectWithReadBuffer } from './read-buffer-socket.ts';

export type BreakerSettings = {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  rollingWindowMs: number;
};

export type BreakerState = 'closed' | 'open' | 'half_open';
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

/** What an attempt resolves with; failures reject with an UpstreamFailure. */
export type Attempt<T> = () => Promise<T>;

export type Upstream = {
  service: Service;
  agent: HttpAgent;
  /** Runs an attempt through the breaker; rejects with code EOPENBREAKER at once while open. */
  fire<T>(attempt: Attempt<T>): Promise<T>;
  state(): BreakerState;
};

export type Upstreams = {
  get(serviceId: string): Upstream;
  all(): Upstream[];
  close(): void;
};

/**
 * Errors that say nothing about the upstream's health are not counted: the client went away, or its
 * body passed request-size-limiting's limit.
 */
export const isClientsFault = (err: unknown) => {
  const code = (err as { code?: string })?.code;
  return code === 'ECLIENTABORT' || code === 'EBODYLIMIT';
};

export function createUpstreams(services: Service[], settings: BreakerSettings, registry: Registry, logger: Logger): Upstreams {
  const gauge = new Gauge({
    name: 'kong_upstream_breaker_state',
    help: 'Circuit breaker state per upstream service: 0 closed, 1 open, 2 half-open',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  const map = new Map<string, Upstream>();
  const breakers: CircuitBreaker[] = [];
  for (const service of services) {
    const options = {
      keepAlive: true,
      // Kong's upstream_keepalive_pool_size is 512 per upstream; queued requests wait for a socket.
      maxSockets: 512,
      maxFreeSockets: 128,
      // Idle pooled sockets close after 60 s (Kong's upstream_keepalive_idle_timeout).
      timeout: 60_000,
      scheduling: 'lifo' as const,
    };
    const agent = service.protocol === 'https' ? new HttpsAgent(options) : new HttpAgent(options);
    if (service.protocol !== 'https') agent.createConnection = connectWithReadBuffer as HttpAgent['createConnection'];
    const breaker = new CircuitBreaker((attempt: Attempt<unknown>) => attempt(), {
      name: service.name,
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      errorFilter: isClientsFault,
    });
    breakers.push(breaker);
    const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
    const report = () => gauge.set({ service: service.name }, STATE_VALUE[state()]);
    report();
    breaker.on('open', () => {
      report();
      logger.warn('upstream circuit breaker opened', { service: service.name, reset_timeout_ms: settings.resetTimeoutMs });
    });
    breaker.on('halfOpen', report);
    breaker.on('close', () => {
      report();
      logger.info('upstream circuit breaker closed', { service: service.name });
    });
    map.set(service.id, {
      service,
      agent,
      fire: <T>(attempt: Attempt<T>) => breaker.fire(attempt) as Promise<T>,
      state,
    });
  }
  return {
    get: (id) => map.get(id) as Upstream,
    all: () => [...map.values()],
    close: () => {
      for (const b of breakers) b.shutdown();
      for (const u of map.values()) u.agent.destroy();
    },
  };
}
