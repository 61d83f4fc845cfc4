import type { Notification } from '../domain/notification.ts';

export type NotificationJson = ReturnType<typeof toNotificationJson>;

/** An inbox row as clients see it (REST and SSE alike); seq is the SSE event id. */
export const toNotificationJson = (n: Notification) => ({
  id: n.id,
  seq: Number(n.seq),
  category: n.category,
  type: n.type,
  title: n.title,
  body: n.body,
  data: n.data,
  read: n.readAt !== null,
  read_at: n.readAt?.toISOString() ?? null,
  created_at: n.createdAt.toISOString(),
});
