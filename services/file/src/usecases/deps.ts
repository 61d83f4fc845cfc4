import type { Logger } from '@platform/shared/logger';
import type { Clock, Db, FileRepo, FileSettings, Outbox, QuotaRepo, RunInTx, StorageDriver } from './ports.ts';

/** Everything the use cases may need; each use case names the part it uses with Pick. */
export type FileDeps = {
  db: Db;
  runInTx: RunInTx;
  files: FileRepo;
  quotas: QuotaRepo;
  outbox: Outbox;
  storage: StorageDriver;
  settings: FileSettings;
  now: Clock;
  logger: Logger;
};
