import type { Db, PoolClient, RunInTx } from '@platform/shared/db';
import type { EventEnvelope } from '@platform/shared/events';
import type { AuditEntry } from '../domain/audit-events.ts';
import type { AuditFilter, AuditRecord, AuditSort, DailyLogins } from '../domain/audit-record.ts';
import type { OneTimeToken } from '../domain/one-time-token.ts';
import type { RefreshToken, RevokeReason, Session } from '../domain/session.ts';
import type { User, UserRole, UserStatus } from '../domain/user.ts';

export type { Db, PoolClient as Tx, RunInTx };

export type NewUser = {
  email: string;
  passwordHash: string | null;
  displayName: string;
  role: UserRole;
  emailVerified: boolean;
};

export type UserRepo = {
  findById(db: Db, id: string): Promise<User | null>;
  findByEmail(db: Db, email: string): Promise<User | null>;
  /** Throws authErrors.emailTaken() when the email exists. */
  insert(tx: Db, user: NewUser): Promise<User>;
  /** Inserts unless the email exists (bootstrap on several replicas at once); null when it did. */
  insertIfAbsent(tx: Db, user: NewUser): Promise<User | null>;
  /**
   * Several at once (distinct emails), one statement; the users it created, in no particular order.
   * An email that exists (or is being inserted by a concurrent transaction, which it waits for) is skipped.
   */
  insertManyIfAbsent(tx: Db, users: readonly NewUser[]): Promise<User[]>;
  findByEmails(db: Db, emails: readonly string[]): Promise<User[]>;
  hasAdmin(db: Db): Promise<boolean>;
  recordLogin(tx: Db, id: string, newPasswordHash?: string): Promise<void>;
  findByIdForUpdate(tx: Db, id: string): Promise<User | null>;
  findManyByIds(db: Db, ids: string[]): Promise<User[]>;
  /** `verifyEmail`: a set-password link also proves the mailbox, so the email becomes verified. */
  setPassword(tx: Db, id: string, passwordHash: string, opts?: { verifyEmail?: boolean }): Promise<User>;
  markEmailVerified(tx: Db, id: string): Promise<User>;
  /** Throws authErrors.emailTaken() when the new email belongs to another account. */
  updateIdentity(tx: Db, id: string, patch: IdentityPatch): Promise<User>;
  /** Ids of the active admins, locked for the rest of the transaction (last-admin checks). */
  lockActiveAdmins(tx: Db): Promise<string[]>;
};

export type IdentityPatch = { role?: UserRole; status?: UserStatus; email?: string; emailVerified?: boolean };

export type Page = { limit: number; offset: number };

export type SessionRepo = {
  create(tx: Db, s: { userId: string; ip: string | null; userAgent: string | null; expiresAt: Date }): Promise<Session>;
  addRefreshToken(tx: Db, sessionId: string, tokenHash: Buffer): Promise<RefreshToken>;
  /** The token and its session, both locked for the rest of the transaction. */
  findByRefreshHashForUpdate(tx: Db, tokenHash: Buffer): Promise<{ token: RefreshToken; session: Session } | null>;
  markRotated(tx: Db, oldTokenId: string, newTokenId: string): Promise<void>;
  touch(tx: Db, sessionId: string, expiresAt: Date): Promise<void>;
  /** True when it was active and is now revoked. */
  revoke(tx: Db, sessionId: string, reason: RevokeReason): Promise<boolean>;
  /** Ids of the sessions it revoked. */
  revokeAllForUser(tx: Db, userId: string, reason: RevokeReason): Promise<string[]>;
  /** Like revokeAllForUser but keeps one session (the caller's own); ids of the sessions it revoked. */
  revokeAllForUserExcept(tx: Db, userId: string, keepSessionId: string | null, reason: RevokeReason): Promise<string[]>;
  findActiveForUser(db: Db, userId: string, sessionId: string): Promise<Session | null>;
  listActiveForUser(db: Db, userId: string, page: Page): Promise<{ items: Session[]; total: number }>;
};

export type OneTimePurpose = 'verify_email' | 'reset_password' | 'set_password';

export type OneTimeTokenRepo = {
  create(tx: Db, t: { userId: string; purpose: OneTimePurpose; tokenHash: Buffer; expiresAt: Date }): Promise<{ id: string }>;
  /** Tokens of one purpose and expiry for several users, one statement. */
  createMany(tx: Db, t: { purpose: OneTimePurpose; expiresAt: Date; tokens: readonly { userId: string; tokenHash: Buffer }[] }): Promise<void>;
  /** The token with this digest (any purpose), locked for the rest of the transaction. */
  findByHashForUpdate(tx: Db, tokenHash: Buffer): Promise<OneTimeToken | null>;
  markUsed(tx: Db, id: string): Promise<void>;
  /** Supersedes the user's unused tokens of these purposes; how many it did. */
  invalidateUnused(tx: Db, userId: string, purposes: OneTimePurpose[]): Promise<number>;
};

export type ServiceAccount = { id: string; clientId: string; secretHash: string; name: string };

export type ServiceAccountRepo = {
  findByClientId(db: Db, clientId: string): Promise<ServiceAccount | null>;
  upsert(tx: Db, a: { clientId: string; secretHash: string; name: string }): Promise<void>;
};

export type AuditLog = {
  record(db: Db, entry: AuditEntry): Promise<void>;
  /** Several at once, one statement. */
  recordMany(db: Db, entries: readonly AuditEntry[]): Promise<void>;
};

export type Outbox = {
  add(tx: Db, event: EventEnvelope): Promise<unknown>;
  addMany(tx: Db, events: readonly EventEnvelope[]): Promise<unknown>;
};

export type PasswordHasher = {
  hash(secret: string): Promise<string>;
  /** With a null hash it still spends the time of a real verify, then answers false. */
  verify(hash: string | null, secret: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
};

export type AccessToken = { token: string; jti: string; expiresIn: number };

export type TokenSigner = {
  signUserToken(claims: { userId: string; role: UserRole; sessionId: string }): AccessToken;
  signServiceToken(claims: { clientId: string }): AccessToken;
};

export type LockoutState = { locked: false } | { locked: true; retryAfterS: number };

export type LoginLimiter = {
  check(email: string, ip: string | null): Promise<LockoutState>;
  /**
   * Counts one failure. `locked` once the threshold is reached; `justLocked` is true for exactly one
   * failure per lock, the one that crossed the threshold (so the lock is announced once).
   */
  recordFailure(email: string, ip: string | null): Promise<{ failures: number; locked: boolean; justLocked: boolean; retryAfterS: number }>;
  reset(email: string, ip: string | null): Promise<void>;
};

export type IssuedPair = { access_token: string; refresh_token: string; expires_in: number };

export type RefreshGraceCache = {
  put(oldToken: string, pair: IssuedPair): Promise<void>;
  get(oldToken: string): Promise<IssuedPair | null>;
};

export type RevocationList = {
  revokeSessions(sessionIds: string[]): Promise<void>;
  /**
   * Every access token of the user issued before the current second stops working; tokens of the
   * current second are the callers' to revoke by session (revokeSessions), as logout-all does.
   */
  revokeUser(userId: string, at: Date): Promise<void>;
};

export type TokenSettings = {
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  refreshReuseGraceS: number;
  emailVerificationTtlS: number;
  passwordResetTtlS: number;
  invitationTtlS: number;
  /** Anonymous requests that may send mail (forgot-password, resend) take at least this long, found or not. */
  mailRequestMinMs: number;
};

export type Clock = () => Date;

export type AuditReader = {
  list(db: Db, filter: AuditFilter, sort: AuditSort, page: Page): Promise<{ items: AuditRecord[]; total: number }>;
  /** Successful logins per user and UTC day, days from..to inclusive. */
  dailyLogins(db: Db, q: { from: string; to: string; userId?: string }, page: Page): Promise<{ items: DailyLogins[]; total: number }>;
};

export type MailRequestAction = 'forgot_password' | 'verify_email_resend';

/** Caps requests that make the service send mail, per action, email and IP. */
export type MailRequestLimiter = {
  consume(action: MailRequestAction, email: string, ip: string | null): Promise<{ allowed: true } | { allowed: false; retryAfterS: number }>;
};
