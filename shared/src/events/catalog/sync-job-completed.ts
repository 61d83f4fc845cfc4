import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { jobCounts } from './fields.ts';

/** counts: records by outcome, e.g. { created: 10, updated: 2, skipped: 0 }. */
export const syncJobCompleted = defineEvent({
  type: 'sync.job.completed',
  version: 1,
  data: z.object({
    job_id: z.uuid(),
    connection_id: z.uuid(),
    counts: jobCounts,
  }),
});
