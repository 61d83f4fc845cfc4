import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { displayName, role } from './fields.ts';

/** user: a user's profile exists in the user service. created_by is null when it came from a registration. */
export const userCreated = defineEvent({
  type: 'user.created',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    email: z.email(),
    display_name: displayName,
    role,
    created_by: z.uuid().nullable(),
  }),
});
