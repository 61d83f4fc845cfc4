import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { jobCounts } from './fields.ts';

/** counts: what was done before the failure; error: a message safe to show an admin. */
export const syncJobFailed = defineEvent({
  type: 'sync.job.failed',
  version: 1,
  data: z.object({
    job_id: z.uuid(),
    connection_id: z.uuid(),
    counts: jobCounts,
    error: z.string().min(1).max(2000),
  }),
});
