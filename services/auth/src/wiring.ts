import type { Redis } from 'ioredis';
import { createRunInTx, type Pool } from '@platform/shared/db';
import { createOutbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { AuthConfig } from './config.ts';
import { createArgon2Hasher } from './infra/argon2-hasher.ts';
import { loadCommonPasswords } from './infra/common-passwords.ts';
import { createJwtSigner } from './infra/jwt-signer.ts';
import { createPgAuditLog } from './infra/pg-audit-log.ts';
import { createPgAuditReader } from './infra/pg-audit-reader.ts';
import { createPgOneTimeTokenRepo } from './infra/pg-one-time-token-repo.ts';
import { createPgServiceAccountRepo } from './infra/pg-service-account-repo.ts';
import { createPgSessionRepo } from './infra/pg-session-repo.ts';
import { createPgUserRepo } from './infra/pg-user-repo.ts';
import { createRedisLoginLimiter } from './infra/redis-login-limiter.ts';
import { createRedisMailRequestLimiter } from './infra/redis-mail-request-limiter.ts';
import { createRedisRefreshGraceCache } from './infra/redis-refresh-grace-cache.ts';
import { createRedisRevocationList } from './infra/redis-revocation-list.ts';
import type { SigningKeys } from './infra/signing-keys.ts';
import type { AuthDeps } from './usecases/deps.ts';

export type AuthSettings = Pick<AuthConfig,
  'JWT_ISSUER' | 'ACCESS_TOKEN_TTL_S' | 'REFRESH_TOKEN_TTL_S' | 'REFRESH_REUSE_GRACE_S' | 'EMAIL_VERIFICATION_TTL_S'
  | 'ARGON2_MAX_CONCURRENCY' | 'LOCKOUT_MAX_FAILURES' | 'LOCKOUT_WINDOW_S' | 'PASSWORD_RESET_TTL_S' | 'INVITATION_TTL_S'>;

/**
 * The concrete adapters behind the use-case ports, over connections the caller opened. main.ts and
 * the integration tests wire the service the same way through this one function.
 */
export function createAuthDeps({ config, pool, redis, keys, logger }: {
  config: AuthSettings; pool: Pool; redis: Redis; keys: SigningKeys; logger: Logger;
}): AuthDeps {
  return {
    db: pool,
    runInTx: createRunInTx(pool),
    users: createPgUserRepo(),
    sessions: createPgSessionRepo(),
    oneTimeTokens: createPgOneTimeTokenRepo(),
    serviceAccounts: createPgServiceAccountRepo(),
    audit: createPgAuditLog(),
    auditReader: createPgAuditReader(),
    outbox: createOutbox('auth'),
    hasher: createArgon2Hasher({ maxConcurrency: config.ARGON2_MAX_CONCURRENCY }),
    signer: createJwtSigner({ keys, issuer: config.JWT_ISSUER, ttlS: config.ACCESS_TOKEN_TTL_S }),
    limiter: createRedisLoginLimiter({ redis, maxFailures: config.LOCKOUT_MAX_FAILURES, windowS: config.LOCKOUT_WINDOW_S, logger }),
    // 5 mail-sending requests per action, email and IP every 15 minutes.
    mailLimiter: createRedisMailRequestLimiter({ redis, points: 5, windowS: 900, logger }),
    grace: createRedisRefreshGraceCache({ redis, graceS: config.REFRESH_REUSE_GRACE_S }),
    revocations: createRedisRevocationList({ redis, accessTokenTtlS: config.ACCESS_TOKEN_TTL_S }),
    passwordPolicy: { commonPasswords: loadCommonPasswords() },
    settings: {
      accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S,
      refreshReuseGraceS: config.REFRESH_REUSE_GRACE_S,
      emailVerificationTtlS: config.EMAIL_VERIFICATION_TTL_S,
      passwordResetTtlS: config.PASSWORD_RESET_TTL_S,
      invitationTtlS: config.INVITATION_TTL_S,
      mailRequestMinMs: 150,
    },
    now: () => new Date(),
    logger,
  };
}
