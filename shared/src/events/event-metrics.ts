import client from 'prom-client';
import { metricsRegistry } from '../http/metrics.ts';

// Defined once per process: relays and consumers of several schemas (tests) share them by label.

export type BacklogSource = () => Promise<{ schema: string; count: number; oldestAgeSeconds: number }>;
/** Relays register a probe; the gauges query them at scrape time so /metrics shows the live backlog. */
export const backlogSources = new Set<BacklogSource>();

async function collectBacklog(): Promise<{ schema: string; count: number; oldestAgeSeconds: number }[]> {
  const results = await Promise.allSettled([...backlogSources].map((probe) => probe()));
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

export const outboxBacklog = new client.Gauge({
  name: 'events_outbox_backlog',
  help: 'Outbox events not yet confirmed by the broker',
  labelNames: ['schema'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const b of await collectBacklog()) this.set({ schema: b.schema }, b.count);
  },
});

export const outboxOldestAge = new client.Gauge({
  name: 'events_outbox_oldest_unsent_seconds',
  help: 'Age of the oldest outbox event not yet confirmed by the broker (queue lag of the producer side)',
  labelNames: ['schema'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const b of await collectBacklog()) this.set({ schema: b.schema }, b.oldestAgeSeconds);
  },
});

export const eventsPublished = new client.Counter({
  name: 'events_published_total',
  help: 'Outbox events published and confirmed by the broker',
  labelNames: ['schema', 'type'] as const,
  registers: [metricsRegistry],
});

export const eventsPublishFailed = new client.Counter({
  name: 'events_publish_failed_total',
  help: 'Outbox publishes nacked, timed out or cut by a disconnect (the row stays for the next poll)',
  labelNames: ['schema'] as const,
  registers: [metricsRegistry],
});

export const publishConfirmSeconds = new client.Histogram({
  name: 'events_publish_confirm_seconds',
  help: 'Time from publish to broker confirm',
  labelNames: ['schema'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});

export const outboxLagSeconds = new client.Histogram({
  name: 'events_outbox_lag_seconds',
  help: 'Time from writing an event to the outbox to its broker confirm',
  labelNames: ['schema'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
  registers: [metricsRegistry],
});

export const eventsConsumed = new client.Counter({
  name: 'events_consumed_total',
  help: 'Events handled by consumers; result=processed|duplicate',
  labelNames: ['queue', 'type', 'result'] as const,
  registers: [metricsRegistry],
});

export const eventsFailed = new client.Counter({
  name: 'events_consume_failed_total',
  help: 'Handler failures (each failed attempt)',
  labelNames: ['queue', 'type'] as const,
  registers: [metricsRegistry],
});

export const eventsDeadLettered = new client.Counter({
  name: 'events_dead_lettered_total',
  help: 'Messages parked in a dead-letter queue; reason=malformed|schema|max_attempts',
  labelNames: ['queue', 'type', 'reason'] as const,
  registers: [metricsRegistry],
});

export const handlerSeconds = new client.Histogram({
  name: 'events_handler_duration_seconds',
  help: 'Consumer handler duration, inbox transaction included',
  labelNames: ['queue'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [metricsRegistry],
});
