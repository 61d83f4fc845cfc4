import type { Logger } from '@platform/shared/logger';
import type { AdminPorts } from './admin/admin-deps.ts';
import type { Clock, Db, IdentityDirectory, Outbox, RunInTx, UserBatchReader, UserCache, UserRepo } from './ports.ts';

export type UserServiceSettings = {
  /** Services that must confirm erasure before a deletion is complete. */
  erasureServices: readonly string[];
};

/** Everything the use cases may need; each use case names the part it uses with Pick. */
export type UserDeps = {
  db: Db;
  runInTx: RunInTx;
  users: UserRepo;
  cache: UserCache;
  loader: UserBatchReader;
  identities: IdentityDirectory;
  outbox: Outbox;
  settings: UserServiceSettings;
  now: Clock;
  logger: Logger;
} & AdminPorts; // U2's administration ports (auth accounts API, lists, saga, admin reads)
