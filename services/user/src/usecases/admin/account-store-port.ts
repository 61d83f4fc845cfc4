import type { User } from '../../domain/user.ts';
import type { Db, WriteMeta } from '../ports.ts';

/** The account-administration reads and writes the core UserRepo does not have. */
export type AccountStore = {
  /** Ids of the active admins; inside a transaction they stay locked until it ends (last-admin checks). */
  activeAdminIds(db: Db): Promise<string[]>;
  /** Profiles imported from `source` with these external ids. */
  findByExternalIds(db: Db, source: string, externalIds: readonly string[]): Promise<User[]>;
  findByEmails(db: Db, emails: readonly string[]): Promise<User[]>;
  /** Banned users whose ban ended at or before `now`, the longest overdue first. */
  expiredBans(db: Db, now: Date, limit: number): Promise<string[]>;
  /** Links a profile to its record in an external system (sync's batch-upsert). */
  setExternalKey(tx: Db, id: string, key: { source: string; externalId: string }, meta: WriteMeta): Promise<User>;
};
