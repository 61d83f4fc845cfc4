import client from 'prom-client';
import { metricsRegistry } from '@platform/shared/http';

export const changesWritten = new client.Counter({
  name: 'sync_changes_written_total',
  help: 'Changes appended to the change feed, by the event that wrote them (redeliveries and repeats of the latest state add none)',
  labelNames: ['event'] as const,
  registers: [metricsRegistry],
});

export const changesPruned = new client.Counter({
  name: 'sync_changes_pruned_total',
  help: 'Changes deleted by the retention job',
  registers: [metricsRegistry],
});
