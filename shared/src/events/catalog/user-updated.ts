import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

/** user: profile fields changed; `changed` names them (snake_case), values are fetched if needed. */
export const userUpdated = defineEvent({
  type: 'user.updated',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    changed: z.array(z.string().min(1)),
  }),
});
