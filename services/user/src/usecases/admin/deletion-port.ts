import type { Db } from '../ports.ts';

/** The delete saga's record of one deleted user. */
export type UserDeletion = {
  userId: string;
  requestedBy: string | null;
  requestedAt: Date;
  /** Services that have not confirmed erasure yet. */
  waitingFor: string[];
  /** service -> when it erased (ISO 8601). */
  erased: Record<string, string>;
  completedAt: Date | null;
};

export type UserDeletionRepo = {
  /** Starts the saga; a second start for the same user keeps the first record (null then). */
  start(tx: Db, d: { userId: string; requestedBy: string; waitingFor: readonly string[] }): Promise<UserDeletion | null>;
  find(db: Db, userId: string): Promise<UserDeletion | null>;
  /**
   * Records that a service erased the user's data; completes the saga when nobody is left to wait
   * for. null when there is no saga for that user.
   */
  recordErasure(tx: Db, e: { userId: string; service: string; erasedAt: string }): Promise<UserDeletion | null>;
};
