import type { Notification } from '../domain/notification.ts';
import type { Category } from '../domain/categories.ts';
import type { InboxRepo } from '../usecases/inbox.ts';

const COLUMNS = 'id, seq::text AS seq, user_id, category, type, title, body, data, event_id, read_at, created_at';

type Row = {
  id: string; seq: string; user_id: string; category: Category; type: string; title: string; body: string;
  data: Record<string, unknown>; event_id: string | null; read_at: Date | null; created_at: Date;
};

const toNotification = (r: Row): Notification => ({
  id: r.id, seq: r.seq, userId: r.user_id, category: r.category, type: r.type, title: r.title, body: r.body,
  data: r.data, eventId: r.event_id, readAt: r.read_at, createdAt: r.created_at,
});

/** Reads and read-marks of the in-app inbox (notifications.notifications); rows are written by notify(). */
export function createPgInboxRepo(): InboxRepo {
  return {
    async list(db, userId, { unread, limit, offset }) {
      const filter = unread === undefined ? '' : unread ? ' AND read_at IS NULL' : ' AND read_at IS NOT NULL';
      const [page, count] = await Promise.all([
        db.query<Row>(`SELECT ${COLUMNS} FROM notifications.notifications WHERE user_id = $1${filter} ORDER BY seq DESC LIMIT $2 OFFSET $3`,
          [userId, limit, offset]),
        db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications.notifications WHERE user_id = $1${filter}`, [userId]),
      ]);
      return { items: page.rows.map(toNotification), total: count.rows[0]!.n };
    },
    async unreadCount(db, userId) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM notifications.notifications WHERE user_id = $1 AND read_at IS NULL', [userId]);
      return rows[0]!.n;
    },
    async setRead(db, userId, id, read) {
      // Marking read keeps the first read time; marking unread clears it. A row already in that
      // state is not touched (changed: false), so the caller publishes only real changes.
      const { rows } = await db.query<Row>(
        `UPDATE notifications.notifications SET read_at = CASE WHEN $3 THEN now() ELSE NULL END
         WHERE id = $1 AND user_id = $2 AND (read_at IS NULL) = $3 RETURNING ${COLUMNS}`, [id, userId, read]);
      if (rows[0]) return { notification: toNotification(rows[0]), changed: true };
      const current = await db.query<Row>(
        `SELECT ${COLUMNS} FROM notifications.notifications WHERE id = $1 AND user_id = $2`, [id, userId]);
      return current.rows[0] ? { notification: toNotification(current.rows[0]), changed: false } : null;
    },
    async readAll(db, userId) {
      const { rows } = await db.query<{ id: string; read_at: Date }>(
        'UPDATE notifications.notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id, read_at', [userId]);
      return { ids: rows.map((r) => r.id), readAt: rows[0]?.read_at ?? null };
    },
    async listAfter(db, userId, afterSeq, limit) {
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM notifications.notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [userId, afterSeq, limit]);
      return rows.map(toNotification);
    },
    async lastSeq(db, userId) {
      const { rows } = await db.query<{ seq: string | null }>(
        'SELECT max(seq)::text AS seq FROM notifications.notifications WHERE user_id = $1', [userId]);
      return rows[0]?.seq ?? '0';
    },
  };
}
