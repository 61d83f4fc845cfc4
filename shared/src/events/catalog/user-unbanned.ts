import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

export const userUnbanned = defineEvent({
  type: 'user.unbanned',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    unbanned_by: z.uuid(),
  }),
});
