import type { Db, PoolClient, RunInTx } from '@platform/shared/db';
import type { Outbox } from '@platform/shared/events';
import type { StoredFile } from '../domain/file.ts';
import type { Quota } from '../domain/quota.ts';

export type { Db, PoolClient as Tx, RunInTx, Outbox };
export type { StorageDriver } from '../storage/storage-driver.ts';

export type NewFile = {
  id: string;
  ownerId: string;
  name: string;
  originalName: string;
  size: number;
  contentType: string;
  sha256: string;
  storageKey: string;
  createdBy: string;
};

export type FileSort = 'created_at' | 'name' | 'size';

export type FileListQuery = {
  /** Only this owner's files; undefined lists everyone's (admins). */
  ownerId?: string;
  limit: number;
  offset: number;
  sort: FileSort;
  order: 'asc' | 'desc';
};

export type FileRepo = {
  insert(tx: Db, file: NewFile): Promise<StoredFile>;
  /** An active (not deleted) file, or null. */
  findById(db: Db, id: string): Promise<StoredFile | null>;
  list(db: Db, query: FileListQuery): Promise<{ items: StoredFile[]; total: number }>;
  /** null when the file is gone or (with expectedVersion) was changed meanwhile. */
  rename(tx: Db, id: string, name: string, actorId: string, expectedVersion?: number): Promise<StoredFile | null>;
  /** Marks the file deleted; null when it was not active. */
  softDelete(tx: Db, id: string, actorId: string): Promise<StoredFile | null>;
  recordDownload(db: Db, id: string): Promise<void>;
};

/** A reservation recorded against one upload, so it can be reclaimed if its process dies. */
export type ReservationLease = { id: string; ttlMs: number };

export type QuotaRepo = {
  /**
   * Adds `bytes` to reserved_bytes if used + reserved + bytes stays within the limit, in one
   * statement; with a lease, also records the bytes against it (repeated calls add up). First gives
   * back the user's expired leases.
   */
  reserve(db: Db, userId: string, bytes: number, defaultLimit: number, lease?: ReservationLease): Promise<boolean>;
  /** Gives back `bytes` reserved without a lease, and everything a lease (if given) still holds. */
  release(db: Db, userId: string, bytes: number, leaseId?: string): Promise<void>;
  /** A finished upload: its reservation (`reservedBytes` without a lease, plus the lease's) becomes `usedBytes` used. */
  commit(tx: Db, userId: string, reservedBytes: number, usedBytes: number, leaseId?: string): Promise<void>;
  /** Gives back the bytes of expired leases (one user's or everyone's); returns how many users got some back. */
  reclaimExpired(db: Db, userId?: string): Promise<number>;
  /** A deleted file no longer counts. */
  free(tx: Db, userId: string, bytes: number): Promise<void>;
  /** The user's quota row, or an empty one (no limit of their own, nothing used). */
  get(db: Db, userId: string): Promise<Quota>;
  setLimit(db: Db, userId: string, limitBytes: number | null, actorId: string): Promise<Quota>;
};

export type Clock = () => Date;

export type FileSettings = {
  maxUploadBytes: number;
  defaultQuotaBytes: number;
  largeUploadBytes: number;
  allowedContentTypes: readonly string[];
  /** Lifetime of an upload's reservation lease: longer than any request may last. */
  reservationTtlMs: number;
};
