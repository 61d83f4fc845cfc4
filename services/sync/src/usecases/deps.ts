import type { Logger } from '@platform/shared/logger';
import type { ProviderName } from '../domain/connection.ts';
import type { ProviderAdapter } from './provider-port.ts';
import type {
  Clock, ConnectionRepo, Db, JobErrorRepo, JobQueue, JobRepo, Outbox, RunInTx, SecretBox, SeenRecordRepo, UserDirectory,
} from './ports.ts';

export type SyncSettings = {
  batchSize: number;
  /** Batches of one page sent to the user service at once. */
  upsertConcurrency: number;
  pageSize: number;
  providerTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  pauseLimitMs: number;
  heartbeatMs: number;
  jobStaleMs: number;
};

/** Everything the use cases may need; each use case names the part it uses with Pick. */
export type SyncDeps = {
  db: Db;
  runInTx: RunInTx;
  connections: ConnectionRepo;
  jobs: JobRepo;
  jobErrors: JobErrorRepo;
  seen: SeenRecordRepo;
  outbox: Outbox;
  secrets: SecretBox;
  providers: ReadonlyMap<ProviderName, ProviderAdapter>;
  userDirectory: UserDirectory;
  queue: JobQueue;
  settings: SyncSettings;
  now: Clock;
  logger: Logger;
};
