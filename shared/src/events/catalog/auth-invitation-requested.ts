import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { displayName, oneTimeToken, role, timestamp } from './fields.ts';

/** auth: invite a user created without a password to set one (notification sends the mail). */
export const authInvitationRequested = defineEvent({
  type: 'auth.invitation_requested',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    email: z.email(),
    display_name: displayName,
    role,
    token: oneTimeToken,
    expires_at: timestamp,
    /** The admin or service account that asked; null when a sync created the user. */
    invited_by: z.uuid().nullable(),
    source: z.enum(['admin', 'sync', 'service']),
  }),
});
