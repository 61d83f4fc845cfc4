/** A notification pushed live: its seq (the SSE id) and its client JSON, serialized once for every listener. */
export type LiveMessage = { seq: number; json: string; frame?: string };

/**
 * Live notifications per user across replicas (Redis pub/sub). subscribe() resolves once the
 * subscription is active, so a backfill read after it cannot miss a notification published between.
 */
export type LiveFeed = {
  subscribe(userId: string, listener: (message: LiveMessage) => void): Promise<() => void>;
  /** Called after the feed reconnected: messages may have been lost meanwhile, listeners re-read the database. */
  onResync(callback: () => void): void;
};

/** Announces a committed notification to the user's live streams. */
export type LivePublisher = { publish(userId: string, notificationJson: { seq: number }): Promise<void> };
