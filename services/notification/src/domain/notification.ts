import type { Category } from './categories.ts';

/** An in-app notification (a row of the inbox). */
export type Notification = {
  id: string;
  seq: string;
  userId: string;
  category: Category;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  eventId: string | null;
  readAt: Date | null;
  createdAt: Date;
};

/** What notify() is asked to tell a user. */
export type NotificationInput = {
  userId: string;
  category: Category;
  /** A stable name: email_verification, password_reset, login_locked, account_banned, large_upload … */
  type: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
  /** The event that caused it: a redelivery of that event adds nothing. */
  eventId?: string;
  /** Catalog type of that event (webhook fan-out filters subscriptions by it). */
  eventType?: string;
};
