import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { timestamp } from './fields.ts';

/**
 * A user marked in-app notifications read or unread: the listed ones (1..1000 per event), or
 * `all: true` for "every one of theirs up to changed_at". Published by the notification service only
 * when the state really changed; the sync service's change feed records it.
 */
export const notificationReadStateChanged = defineEvent({
  type: 'notification.read_state_changed',
  version: 1,
  data: z.union([
    z.object({
      user_id: z.uuid(),
      notification_ids: z.array(z.uuid()).min(1).max(1000),
      read: z.boolean(),
      changed_at: timestamp,
    }),
    z.object({
      user_id: z.uuid(),
      all: z.literal(true),
      read: z.boolean(),
      changed_at: timestamp,
    }),
  ]),
});
