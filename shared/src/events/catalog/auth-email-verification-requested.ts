import { defineEvent } from '../define-event.ts';
import { emailLink } from './fields.ts';

/** auth: send the user a link to verify their email (notification sends the mail). */
export const authEmailVerificationRequested = defineEvent({
  type: 'auth.email_verification_requested',
  version: 1,
  data: emailLink,
});
