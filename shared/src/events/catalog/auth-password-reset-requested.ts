import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { displayName, oneTimeToken, timestamp } from './fields.ts';

/** auth: send the user a password reset link (notification sends the mail). */
export const authPasswordResetRequested = defineEvent({
  type: 'auth.password_reset_requested',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    email: z.email(),
    display_name: displayName,
    token: oneTimeToken,
    expires_at: timestamp,
  }),
});
