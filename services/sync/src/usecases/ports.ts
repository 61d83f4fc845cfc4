import type { Db, PoolClient } from '@platform/shared/db';
import type { Outbox } from '@platform/shared/events';
import type { Connection, ProviderName } from '../domain/connection.ts';
import type { Job, JobCounts, JobMode, JobStatus, JobTrigger, RecordError } from '../domain/job.ts';
import type { ImportedUser } from '../domain/imported-user.ts';

export type { Db, PoolClient, Outbox };
export type RunInTx = <T>(fn: (tx: PoolClient) => Promise<T>) => Promise<T>;
export type Clock = () => Date;

export type NewConnection = {
  name: string;
  provider: ProviderName;
  settings: Record<string, unknown>;
  secretsEncrypted: string | null;
  secretKeys: string[];
  schedule: string | null;
  enabled: boolean;
  actorId: string | null;
};

export type ConnectionPatch = Partial<Omit<NewConnection, 'provider' | 'actorId'>>;

export type ConnectionRepo = {
  create(tx: Db, c: NewConnection): Promise<Connection>;
  findById(db: Db, id: string): Promise<Connection | null>;
  /** The encrypted secrets blob of a connection (only the job runner opens it). */
  findSecrets(db: Db, id: string): Promise<string | null>;
  list(db: Db, page: { limit: number; offset: number }): Promise<{ items: Connection[]; total: number }>;
  /** Applies the patch when the version still matches (when given); null when the row is gone or stale. */
  update(tx: Db, id: string, patch: ConnectionPatch, meta: { actorId: string | null; expectedVersion?: number }): Promise<Connection | null>;
  softDelete(tx: Db, id: string, actorId: string | null): Promise<boolean>;
  /** Every enabled connection with a schedule (for the scheduler). */
  listScheduled(db: Db): Promise<Pick<Connection, 'id' | 'schedule' | 'version'>[]>;
  saveCursor(tx: Db, id: string, cursor: string | null): Promise<void>;
  markFullRun(tx: Db, id: string, at: Date): Promise<void>;
};

export type NewJob = { connectionId: string; trigger: JobTrigger; mode: JobMode; requestedBy: string | null };

export type JobListFilter = { connectionId?: string; status?: JobStatus };

export type JobRepo = {
  /** Creates a queued job, or returns the connection's unfinished one (`created: false`). */
  createOrGetActive(tx: Db, job: NewJob): Promise<{ job: Job; created: boolean }>;
  findById(db: Db, id: string): Promise<Job | null>;
  list(db: Db, filter: JobListFilter, page: { limit: number; offset: number }): Promise<{ items: Job[]; total: number }>;
  /** Takes a queued job, or a running one whose worker stopped beating; null when it is not ours to run. */
  claim(tx: Db, id: string, worker: string, staleMs: number): Promise<Job | null>;
  heartbeat(db: Db, id: string, worker: string): Promise<{ cancelRequested: boolean; owned: boolean }>;
  /** Progress of one committed page; false when `worker` no longer holds the job (it was taken over). */
  savePage(tx: Db, id: string, worker: string, p: { counts: JobCounts; cursor: string | null; pages: number }): Promise<boolean>;
  setPause(db: Db, id: string, pause: { until: Date; reason: string } | null): Promise<void>;
  /** Ends the job if `worker` still holds it; null when it was taken over. */
  finish(tx: Db, id: string, worker: string, f: { status: JobStatus; counts: JobCounts; error: string | null }): Promise<Job | null>;
  /** Puts a running job back in the queue (a graceful stop of its worker). */
  release(db: Db, id: string, worker: string): Promise<void>;
  requestCancel(tx: Db, id: string): Promise<Job | null>;
  /** Queued jobs not taken for staleMs, and running jobs without a heartbeat for staleMs. */
  findOrphans(db: Db, staleMs: number): Promise<string[]>;
  touchQueued(db: Db, ids: readonly string[]): Promise<void>;
};

export type JobErrorRow = RecordError & { id: string; createdAt: Date };

export type JobErrorRepo = {
  addMany(tx: Db, jobId: string, errors: readonly RecordError[]): Promise<void>;
  list(db: Db, jobId: string, page: { limit: number; offset: number }): Promise<{ items: JobErrorRow[]; total: number }>;
};

export type SeenRecordRepo = {
  /** Marks these external ids as present in the job; returns those this job had already seen (duplicates). */
  markSeen(tx: Db, connectionId: string, jobId: string, externalIds: readonly string[]): Promise<void>;
  seenInJob(db: Db, connectionId: string, jobId: string, externalIds: readonly string[]): Promise<Set<string>>;
  /** External ids seen before but not in this job and not yet deactivated, in id order after `after`. */
  vanished(db: Db, connectionId: string, jobId: string, after: string | null, limit: number): Promise<string[]>;
  markDeactivated(tx: Db, connectionId: string, externalIds: readonly string[]): Promise<void>;
};

/** Encrypts connection secrets at rest. */
export type SecretBox = {
  seal(secrets: Record<string, string>): string;
  open(sealed: string): Record<string, string>;
};

export type UpsertOutcome =
  | { externalId: string; status: 'created' | 'updated' | 'unchanged'; userId: string }
  | { externalId: string; status: 'invalid'; message: string; field: string | null };

/** The user service's import API (its breaker client). Throws EXT_* while it is unavailable. */
export type UserDirectory = {
  batchUpsert(source: string, users: readonly ImportedUser[]): Promise<UpsertOutcome[]>;
  /**
   * Deactivates the users imported from `source` with these external ids (never a hard delete).
   * `done`: deactivated now or already inactive or unknown there; `failed`: refused, with the reason.
   */
  deactivate(source: string, externalIds: readonly string[]): Promise<{ done: string[]; deactivated: number; failed: { externalId: string; message: string }[] }>;
};

/** Where job messages travel (competing consumers). */
export type JobQueue = { enqueue(jobId: string): Promise<void> };

