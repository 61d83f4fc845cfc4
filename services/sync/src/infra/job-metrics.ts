import client from 'prom-client';
import { metricsRegistry } from '@platform/shared/http';
import type { Job } from '../domain/job.ts';

const jobsTotal = new client.Counter({
  name: 'sync_jobs_total',
  help: 'Sync jobs ended, by provider-independent final status',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

const recordsTotal = new client.Counter({
  name: 'sync_records_total',
  help: 'Records handled by ended sync jobs, by outcome (created, updated, unchanged, deleted, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const jobSeconds = new client.Histogram({
  name: 'sync_job_duration_seconds',
  help: 'Wall time of ended sync jobs, from first start to end',
  buckets: [1, 5, 15, 60, 300, 900, 3600, 14_400],
  registers: [metricsRegistry],
});

/** Counts an ended job once, in the process that ended it. */
export function observeEndedJob(job: Job): void {
  jobsTotal.inc({ status: job.status });
  for (const outcome of ['created', 'updated', 'unchanged', 'deleted', 'failed'] as const) {
    if (job.counts[outcome] > 0) recordsTotal.inc({ outcome }, job.counts[outcome]);
  }
  if (job.startedAt && job.finishedAt) jobSeconds.observe((job.finishedAt.getTime() - job.startedAt.getTime()) / 1000);
}
