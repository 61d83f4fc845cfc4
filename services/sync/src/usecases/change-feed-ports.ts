import type { Logger } from '@platform/shared/logger';
import type { Change, ChangeEntity, NewChange, RenderedChange } from '../domain/change.ts';
import type { Db, Outbox, PoolClient } from './ports.ts';

/**
 * A page of the log read in one snapshot: `head` is the highest id committed in that snapshot and
 * `prunedThrough` the retention watermark (every id up to it is gone).
 */
export type ChangePage = { rows: RenderedChange[]; head: number; prunedThrough: number };

/**
 * The change log (sync.changes). Writers take the append lock first and hold it until their
 * transaction ends, so ids are assigned and committed in the same order: a reader that saw id N
 * never later finds a new row with an id below N.
 */
export type ChangeLog = {
  lockForAppend(tx: PoolClient): Promise<void>;
  /** The newest change of one entity (call under the append lock). */
  latest(tx: Db, entity: ChangeEntity, entityId: string): Promise<Change | null>;
  /** The newest change of each of these entities that has one (call under the append lock). */
  latestMany(tx: Db, entity: ChangeEntity, entityIds: readonly string[]): Promise<Map<string, Change>>;
  /** Appends in order; a change already written for this event and entity is skipped. Returns the new ids. */
  append(tx: PoolClient, event: { id: string; occurredAt: Date }, changes: readonly NewChange[]): Promise<number[]>;
  /** Ids of the user's files whose latest change is an upsert. */
  liveFilesOf(tx: Db, userId: string): Promise<string[]>;
  /** Deletes every change owned by the user (their data) and returns how many. */
  eraseOwnedBy(tx: Db, userId: string): Promise<number>;
  /** Changes with id > after (only the user's when userId is set), in id order. */
  page(db: Db, q: { after: number; userId: string | null; limit: number }): Promise<ChangePage>;
  /** Prunes changes created before cutoff (at most `batch` rows a call); returns rows deleted. */
  prune(tx: PoolClient, cutoff: Date, batch: number): Promise<number>;
};

/** The user service's current record of a user (the breaker client); null when it has none. Throws EXT_* while unavailable. */
export type UserRecords = { lookup(userId: string): Promise<Record<string, unknown> | null> };

/** A hint that changes were committed: streams re-read the log (the log stays the only source). */
export type ChangeHint = { maxId: number; userIds: string[] };

export type ChangeSignal = {
  publish(hint: ChangeHint): Promise<void>;
  /** Calls the listener for every hint (null: hints may have been missed, re-read); resolves once live, with an unsubscribe. */
  subscribe(listener: (hint: ChangeHint | null) => void): Promise<() => void>;
  close(): Promise<void>;
};

export type ChangeFeedDeps = {
  db: Db;
  changes: ChangeLog;
  users: UserRecords;
  signal: ChangeSignal;
  outbox: Outbox;
  retentionDays: number;
  now: () => Date;
  logger: Logger;
};
