import type { Notification } from '../domain/notification.ts';
import type { Category } from '../domain/categories.ts';
import type { NotificationRepo } from '../usecases/ports.ts';

export const NOTIFICATION_COLUMNS = 'id, seq::text AS seq, user_id, category, type, title, body, data, event_id, read_at, created_at';

export type NotificationRow = {
  id: string; seq: string; user_id: string; category: Category; type: string; title: string; body: string;
  data: Record<string, unknown>; event_id: string | null; read_at: Date | null; created_at: Date;
};

export const toNotification = (r: NotificationRow): Notification => ({
  id: r.id, seq: r.seq, userId: r.user_id, category: r.category, type: r.type, title: r.title, body: r.body,
  data: r.data, eventId: r.event_id, readAt: r.read_at, createdAt: r.created_at,
});

export function createPgNotificationRepo(): NotificationRepo {
  return {
    async insert(tx, input) {
      const { rows } = await tx.query<NotificationRow>(
        `INSERT INTO notifications.notifications (user_id, category, type, title, body, data, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id, event_id, type) WHERE event_id IS NOT NULL DO NOTHING
         RETURNING ${NOTIFICATION_COLUMNS}`,
        [input.userId, input.category, input.type, input.title, input.body, JSON.stringify(input.data ?? {}), input.eventId ?? null],
      );
      return rows[0] ? toNotification(rows[0]) : null;
    },
    async deleteForUser(tx, userId) {
      const { rowCount } = await tx.query('DELETE FROM notifications.notifications WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },
  };
}
