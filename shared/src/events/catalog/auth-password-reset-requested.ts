import { defineEvent } from '../define-event.ts';
import { emailLink } from './fields.ts';

/** auth: send the user a password reset link (notification sends the mail). */
export const authPasswordResetRequested = defineEvent({
  type: 'auth.password_reset_requested',
  version: 1,
  data: emailLink,
});
