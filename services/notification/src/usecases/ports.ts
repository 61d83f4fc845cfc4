import type { Db, PoolClient, RunInTx } from '@platform/shared/db';
import type { Outbox } from '@platform/shared/events';
import type { Channel } from '../domain/categories.ts';
import type { Notification, NotificationInput } from '../domain/notification.ts';
import type { PreferenceChoice } from '../domain/preferences.ts';
import type { DirectoryEntry } from '../domain/recipient.ts';

export type { Db, PoolClient as Tx, RunInTx, Outbox };

/** Work to run once the surrounding transaction committed (pub/sub pushes must not announce rolled-back rows). */
export type AfterCommit = (fn: () => unknown) => void;

/** A transaction plus its after-commit queue: what notify() and the consumers write through. */
export type TxScope = { tx: PoolClient; afterCommit: AfterCommit };

/** Runs fn in a transaction, then (only if it committed) the work fn queued with afterCommit. */
export type RunInScope = <T>(fn: (scope: TxScope) => Promise<T>) => Promise<T>;

export type NotificationRepo = {
  /** Inserts unless the same event already gave this user a notification of this type; null then. */
  insert(tx: Db, input: NotificationInput): Promise<Notification | null>;
  /** Deletes every notification of the user; how many. */
  deleteForUser(tx: Db, userId: string): Promise<number>;
};

export type PreferenceRepo = {
  list(db: Db, userId: string): Promise<PreferenceChoice[]>;
  /** Stores the choices (insert or update each pair). */
  upsert(tx: Db, userId: string, choices: readonly PreferenceChoice[]): Promise<void>;
  deleteForUser(tx: Db, userId: string): Promise<number>;
};

export type DeliveryKey = { eventId: string; channel: Channel; template: string; recipientId: string };

export type DeliveryRepo = {
  /**
   * Claims the key in the caller's transaction: the new row's id the first time, null when a row
   * exists (a concurrent claim of the same key waits for the other transaction, then sees its row).
   */
  claim(tx: Db, key: DeliveryKey, locale: string | null): Promise<string | null>;
  markSent(tx: Db, id: string, attempts: number, messageId: string | null): Promise<void>;
  markSkipped(tx: Db, id: string, reason: string): Promise<void>;
  markFailed(tx: Db, id: string, attempts: number, error: string): Promise<void>;
  deleteForRecipient(tx: Db, recipientId: string): Promise<number>;
};

/** Erases a user's webhooks (their deliveries go with them). */
export type WebhookEraser = { deleteForOwner(tx: Db, ownerId: string): Promise<number> };

export type MailMessage = {
  to: { email: string; name?: string };
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. X-Notification-Template. */
  headers?: Record<string, string>;
};

export type Mailer = {
  /** Throws MailRejectedError when the server refuses the mail for good (5xx); anything else is worth a retry. */
  send(message: MailMessage): Promise<{ messageId: string | null }>;
  verify(): Promise<void>;
  close(): void;
};

/** The user service's batch lookup. Throws RetryLaterError while it cannot answer. */
export type UserDirectory = {
  /** Entries by id; ids the directory does not know are absent. */
  lookup(ids: readonly string[]): Promise<Map<string, DirectoryEntry>>;
};

/** Operations alerts (a Slack-compatible incoming webhook). Never throws. */
export type OpsAlerter = { alert(text: string): Promise<void> };

/** A value, or a function of the locale the mail is written in (dates, phrases). */
export type TemplateVars = Record<string, string | ((locale: string) => string)>;

export type RenderedMail = { subject: string; html: string; text: string; locale: string };

export type TemplateRenderer = {
  /** Renders <name>.<locale>.{subject,html,txt}, falling back to the default locale. */
  render(name: string, locale: string | null, vars: TemplateVars): RenderedMail;
  /** The in-app text of the template (title = subject), or null when it has none. */
  renderInApp(name: string, locale: string | null, vars: TemplateVars): { title: string; body: string; locale: string } | null;
  has(name: string): boolean;
};

/** What notify() hands its listeners. */
export type NotifyEvent = {
  input: NotificationInput;
  /** The inbox row; null when the user turned in-app off for the category (nothing was stored). */
  notification: Notification | null;
  /** The user's choices for this category. */
  channels: { inApp: boolean; webhook: boolean };
};

/**
 * Hooks of notify(): `inTx` runs in the same transaction as the inbox row (webhook fan-out enqueues
 * its deliveries there), `afterCommit` once it committed (live push over Redis pub/sub). Registered
 * in wiring.ts; a redelivered event calls neither.
 */
export type NotifyListener = {
  inTx?(tx: Db, event: NotifyEvent): Promise<void>;
  afterCommit?(event: NotifyEvent): unknown;
};

export type Clock = () => Date;

export type DeadLetterItem = {
  messageId: string | null;
  eventId: string | null;
  eventType: string | null;
  reason: string | null;
  lastError: string | null;
  attempts: number | null;
  failedAt: string | null;
  /** The event as it was parked (single-use tokens redacted). */
  event: unknown;
};

/** The consumers' dead-letter queues (RabbitMQ). */
export type DeadLetterStore = {
  /** Reads without removing, oldest first. */
  list(queue: string, limit: number): Promise<DeadLetterItem[]>;
  /** Moves the queue's dead letters (or only those of one event) back to their consumer; how many. */
  replay(queue: string, eventId?: string): Promise<number>;
};
