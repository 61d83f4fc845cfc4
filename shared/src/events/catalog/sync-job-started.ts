import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

export const syncJobStarted = defineEvent({
  type: 'sync.job.started',
  version: 1,
  data: z.object({
    job_id: z.uuid(),
    connection_id: z.uuid(),
  }),
});
