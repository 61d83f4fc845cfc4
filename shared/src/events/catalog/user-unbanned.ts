import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

/** unbanned_by is null when a ban with an end (`until`) ran out and the user service lifted it. */
export const userUnbanned = defineEvent({
  type: 'user.unbanned',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    unbanned_by: z.uuid().nullable(),
  }),
});
