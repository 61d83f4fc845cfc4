import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { timestamp } from './fields.ts';

/**
 * A service finished erasing what it held for a deleted user (its step of the delete saga that
 * `user.deleted` starts). The user service records each one and shows the admin when all are done.
 */
export const userDataErased = defineEvent({
  type: 'user.data_erased',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    service: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a service name'),
    erased_at: timestamp,
  }),
});
