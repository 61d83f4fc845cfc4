import type { Db } from '@platform/shared/db';
import { AppError } from '@platform/shared/errors';
import { notificationReadStateChanged } from '@platform/shared/events';
import type { Notification } from '../domain/notification.ts';
import type { Clock, Outbox, RunInTx } from './ports.ts';

export type InboxRepo = {
  list(db: Db, userId: string, query: { unread?: boolean | undefined; limit: number; offset: number }): Promise<{ items: Notification[]; total: number }>;
  unreadCount(db: Db, userId: string): Promise<number>;
  /** null when the user has no such notification; changed false when it already was in that state (left untouched). */
  setRead(db: Db, userId: string, id: string, read: boolean): Promise<{ notification: Notification; changed: boolean } | null>;
  /** Marks every unread one read: the ids it changed and their (shared) read time. */
  readAll(db: Db, userId: string): Promise<{ ids: string[]; readAt: Date | null }>;
  /** The user's notifications with seq > afterSeq, oldest first (SSE resume). */
  listAfter(db: Db, userId: string, afterSeq: string, limit: number): Promise<Notification[]>;
  /** The user's highest seq, or '0'. */
  lastSeq(db: Db, userId: string): Promise<string>;
};

export type InboxDeps = { db: Db; inbox: InboxRepo; runInTx: RunInTx; outbox: Outbox; now: Clock };

// Another user's notification is reported as missing: an id never tells whether it exists.
const notFound = (id: string) => new AppError('BIZ_001', `Notification ${id} not found`);

/** Ids per notification.read_state_changed (the catalog's limit). */
export const READ_STATE_IDS_PER_EVENT = 1000;

export const listInbox = (deps: InboxDeps, userId: string, query: { unread?: boolean | undefined; limit: number; offset: number }) =>
  deps.inbox.list(deps.db, userId, query);

export const unreadCount = (deps: InboxDeps, userId: string) => deps.inbox.unreadCount(deps.db, userId);

/**
 * Read or unread one notification. When its state changed, notification.read_state_changed goes
 * into the outbox in the same transaction (the sync change feed records it); a repeat publishes nothing.
 */
export async function markNotification(deps: InboxDeps, userId: string, id: string, read: boolean): Promise<Notification> {
  return deps.runInTx(async (tx) => {
    const result = await deps.inbox.setRead(tx, userId, id, read);
    if (!result) throw notFound(id);
    if (result.changed) {
      const changedAt = (result.notification.readAt ?? deps.now()).toISOString();
      await deps.outbox.add(tx, notificationReadStateChanged.create(
        { user_id: userId, notification_ids: [id], read, changed_at: changedAt },
        { source: 'notification', subject: userId },
      ));
    }
    return result.notification;
  });
}

/**
 * Marks every unread notification of the user read; how many changed. The changed ids are published
 * in the same transaction, in events of at most 1000 ids (none when nothing was unread).
 */
export async function markAllRead(deps: InboxDeps, userId: string): Promise<number> {
  return deps.runInTx(async (tx) => {
    const { ids, readAt } = await deps.inbox.readAll(tx, userId);
    const changedAt = (readAt ?? deps.now()).toISOString();
    for (let i = 0; i < ids.length; i += READ_STATE_IDS_PER_EVENT) {
      await deps.outbox.add(tx, notificationReadStateChanged.create(
        { user_id: userId, notification_ids: ids.slice(i, i + READ_STATE_IDS_PER_EVENT), read: true, changed_at: changedAt },
        { source: 'notification', subject: userId },
      ));
    }
    return ids.length;
  });
}
