import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

/** deleted_by equals user_id when users delete themselves. */
export const userDeleted = defineEvent({
  type: 'user.deleted',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    deleted_by: z.uuid(),
  }),
});
