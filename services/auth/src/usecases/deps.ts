import type { Logger } from '@platform/shared/logger';
import type { PasswordPolicy } from '../domain/password-policy.ts';
import type {
  AuditLog, AuditReader, Clock, Db, LoginLimiter, MailRequestLimiter, OneTimeTokenRepo, Outbox, PasswordHasher, RefreshGraceCache, RevocationList,
  RunInTx, ServiceAccountRepo, SessionRepo, TokenSettings, TokenSigner, UserRepo,
} from './ports.ts';

/** Everything the use cases may need; each use case names the part it uses with Pick. */
export type AuthDeps = {
  db: Db;
  runInTx: RunInTx;
  users: UserRepo;
  sessions: SessionRepo;
  oneTimeTokens: OneTimeTokenRepo;
  serviceAccounts: ServiceAccountRepo;
  audit: AuditLog;
  auditReader: AuditReader;
  outbox: Outbox;
  hasher: PasswordHasher;
  signer: TokenSigner;
  limiter: LoginLimiter;
  mailLimiter: MailRequestLimiter;
  grace: RefreshGraceCache;
  revocations: RevocationList;
  passwordPolicy: PasswordPolicy;
  settings: TokenSettings;
  now: Clock;
  logger: Logger;
};
