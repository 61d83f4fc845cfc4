import type { Db } from '@platform/shared/db';
import { AppError } from '@platform/shared/errors';
import type { Notification } from '../domain/notification.ts';

export type InboxRepo = {
  list(db: Db, userId: string, query: { unread?: boolean | undefined; limit: number; offset: number }): Promise<{ items: Notification[]; total: number }>;
  unreadCount(db: Db, userId: string): Promise<number>;
  /** null when the user has no such notification. */
  setRead(db: Db, userId: string, id: string, read: boolean): Promise<Notification | null>;
  /** Marks every unread one read; how many changed. */
  readAll(db: Db, userId: string): Promise<number>;
  /** The user's notifications with seq > afterSeq, oldest first (SSE resume). */
  listAfter(db: Db, userId: string, afterSeq: string, limit: number): Promise<Notification[]>;
  /** The user's highest seq, or '0'. */
  lastSeq(db: Db, userId: string): Promise<string>;
};

export type InboxDeps = { db: Db; inbox: InboxRepo };

// Another user's notification is reported as missing: an id never tells whether it exists.
const notFound = (id: string) => new AppError('BIZ_001', `Notification ${id} not found`);

export const listInbox = (deps: InboxDeps, userId: string, query: { unread?: boolean | undefined; limit: number; offset: number }) =>
  deps.inbox.list(deps.db, userId, query);

export const unreadCount = (deps: InboxDeps, userId: string) => deps.inbox.unreadCount(deps.db, userId);

export async function markNotification(deps: InboxDeps, userId: string, id: string, read: boolean): Promise<Notification> {
  const updated = await deps.inbox.setRead(deps.db, userId, id, read);
  if (!updated) throw notFound(id);
  return updated;
}

export const markAllRead = (deps: InboxDeps, userId: string) => deps.inbox.readAll(deps.db, userId);
