import type { Db, PoolClient, RunInTx } from '@platform/shared/db';
import type { Outbox } from '@platform/shared/events';
import type { ProfilePatch, User, UserRole, UserStatus } from '../domain/user.ts';
import type { UserSettings } from '../domain/settings.ts';

export type { Db, PoolClient as Tx, RunInTx, Outbox };

export type Clock = () => Date;

export type NewUser = {
  id: string;
  email: string;
  displayName: string;
  role?: UserRole;
  status?: UserStatus;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
  externalSource?: string | null;
  externalId?: string | null;
  /** null when the profile comes from a registration. */
  createdBy?: string | null;
};

/** Account fields that mirror auth (changed there first) and the soft-delete/ban bookkeeping. */
export type AccountPatch = {
  email?: string;
  role?: UserRole;
  status?: UserStatus;
  banReason?: string | null;
  bannedUntil?: Date | null;
  deletedAt?: Date | null;
};

export type WriteMeta = {
  /** Who made the change (updated_by); null for changes that come from events. */
  actorId: string | null;
  /** When set, the write happens only at this version; otherwise userErrors.staleVersion(current). */
  expectedVersion?: number;
};

export type UserRepo = {
  /** Any status, soft-deleted included; null when there is no row. */
  findById(db: Db, id: string): Promise<User | null>;
  findByIdForUpdate(tx: Db, id: string): Promise<User | null>;
  /** The rows that exist, in no particular order. */
  findManyByIds(db: Db, ids: readonly string[]): Promise<User[]>;
  /** Inserts unless the id (or the email) is already there; null when it was (redelivery, lazy creation race). */
  insertIfAbsent(tx: Db, user: NewUser): Promise<User | null>;
  /** Several at once (distinct ids), one statement; the rows it created, in no particular order. */
  insertManyIfAbsent(tx: Db, users: readonly NewUser[]): Promise<User[]>;
  /** Changes profile fields, bumps version and updated_at. */
  updateProfile(tx: Db, id: string, patch: ProfilePatch, meta: WriteMeta): Promise<User>;
  /** updateProfile for several users (distinct ids) in one statement, without a version check. */
  updateProfiles(tx: Db, patches: readonly { id: string; patch: ProfilePatch }[], meta: { actorId: string | null }): Promise<void>;
  /** Replaces the stored settings, bumps version. */
  replaceSettings(tx: Db, id: string, settings: UserSettings, meta: WriteMeta): Promise<User>;
  /** Changes mirrored account fields (role, status, email, ban, deletion), bumps version. Throws userErrors.emailTaken(). */
  updateAccount(tx: Db, id: string, patch: AccountPatch, meta: WriteMeta): Promise<User>;
};

/** Cache-aside store of single users (Redis). Fails open: a Redis outage is a miss, never an error. */
export type UserCache = {
  /** undefined on a miss. */
  get(id: string): Promise<User | undefined>;
  set(user: User): Promise<void>;
  invalidate(...ids: string[]): Promise<void>;
};

/** Many users at once; concurrent calls share one query (dataloader). null for ids with no row. */
export type UserBatchReader = {
  loadMany(ids: readonly string[]): Promise<(User | null)[]>;
};

/** An account as auth knows it (auth's GET /internal/users/:id). */
export type Identity = {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  status: UserStatus;
  emailVerified: boolean;
};

/** Read side of auth's identities. */
export type IdentityDirectory = {
  /** null when auth has no such account; EXT_* AppErrors when auth cannot answer. */
  getIdentity(id: string): Promise<Identity | null>;
};
