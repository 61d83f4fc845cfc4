import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { timestamp } from './fields.ts';

/**
 * until is null for a ban without an end; banned_by is null when no person banned the user (the sync
 * service deactivated someone who vanished from an external source).
 */
export const userBanned = defineEvent({
  type: 'user.banned',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    reason: z.string().min(1).max(1000),
    until: timestamp.nullable(),
    banned_by: z.uuid().nullable(),
  }),
});
