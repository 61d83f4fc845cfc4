import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { timestamp } from './fields.ts';

/** auth: too many failed logins locked an email+IP pair. user_id is null when no account has that email. */
export const authLoginLocked = defineEvent({
  type: 'auth.login_locked',
  version: 1,
  data: z.object({
    email: z.email(),
    ip: z.string().min(1).max(64),
    user_id: z.uuid().nullable(),
    failures: z.number().int().positive(),
    locked_until: timestamp,
  }),
});
