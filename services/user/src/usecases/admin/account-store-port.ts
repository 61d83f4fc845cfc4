import type { User } from '../../domain/user.ts';
import type { Db, WriteMeta } from '../ports.ts';

/** The account-administration reads and writes the core UserRepo does not have. */
export type AccountStore = {
  /**
   * Whether an active admin other than `id` exists (the local last-admin check; auth repeats it
   * under its own lock, which is what settles concurrent demotions).
   */
  hasOtherActiveAdmin(db: Db, id: string): Promise<boolean>;
  /** Profiles imported from `source` with these external ids. */
  findByExternalIds(db: Db, source: string, externalIds: readonly string[]): Promise<User[]>;
  findByEmails(db: Db, emails: readonly string[]): Promise<User[]>;
  /** Banned users whose ban ended at or before `now`, the longest overdue first. */
  expiredBans(db: Db, now: Date, limit: number): Promise<string[]>;
  /** Links a profile to its record in an external system (sync's batch-upsert). */
  setExternalKey(tx: Db, id: string, key: { source: string; externalId: string }, meta: WriteMeta): Promise<User>;
  /** Bans a profile because it vanished from `source` (sync's batch-deactivate), marking it as that source's doing. */
  deactivate(tx: Db, id: string, ban: { source: string; reason: string }, meta: WriteMeta): Promise<User>;
  /** Of these ids, the ones banned by `source` through deactivate (and not changed since). */
  deactivatedBy(db: Db, source: string, ids: readonly string[]): Promise<Set<string>>;
};
