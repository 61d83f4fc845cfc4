import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { displayName, role } from './fields.ts';

/** auth: a user signed up (or was created by an admin or a sync). */
export const userRegistered = defineEvent({
  type: 'user.registered',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    email: z.email(),
    display_name: displayName,
    role,
    email_verified: z.boolean(),
  }),
});
