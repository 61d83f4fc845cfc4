import type { Redis } from 'ioredis';
import { createRunInTx, type Pool } from '@platform/shared/db';
import { createOutbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import { createServiceClient, createTokenProvider, type ServiceClient } from '@platform/shared/service-client';
import type { UserConfig } from './config.ts';
import { createAdminAdapters } from './infra/admin-adapters.ts';
import { createIdentityClient } from './infra/clients/identity-client.ts';
import { createPgUserRepo } from './infra/pg-user-repo.ts';
import { createRedisUserCache } from './infra/redis-user-cache.ts';
import { createUserLoader } from './infra/user-loader.ts';
import type { UserDeps } from './usecases/deps.ts';

export type UserSettingsConfig = Pick<UserConfig,
  'AUTH_URL' | 'SERVICE_CLIENT_ID' | 'SERVICE_CLIENT_SECRET' | 'AUTH_TIMEOUT_MS' | 'CACHE_TTL_S' | 'ERASURE_SERVICES'>;

/** The client of auth's API (internal routes) with this service's client_credentials token. */
export function createAuthApi(config: UserSettingsConfig, logger: Logger): ServiceClient {
  const getToken = createTokenProvider({
    authUrl: config.AUTH_URL, clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET, logger,
  });
  return createServiceClient({ name: 'auth', baseUrl: config.AUTH_URL, timeoutMs: config.AUTH_TIMEOUT_MS, getToken, logger });
}

/**
 * The concrete adapters behind the use-case ports, over connections the caller opened. main.ts and
 * the integration tests wire the service the same way through this one function.
 */
export function createUserDeps({ config, pool, redis, logger, authApi = createAuthApi(config, logger), cacheKeyPrefix }: {
  config: UserSettingsConfig; pool: Pool; redis: Redis; logger: Logger;
  /** auth's API; tests pass one aimed at a fake auth. */
  authApi?: ServiceClient;
  cacheKeyPrefix?: string;
}): UserDeps {
  const users = createPgUserRepo();
  return {
    db: pool,
    runInTx: createRunInTx(pool),
    users,
    cache: createRedisUserCache({ redis, ttlS: config.CACHE_TTL_S, logger, ...(cacheKeyPrefix && { keyPrefix: cacheKeyPrefix }) }),
    loader: createUserLoader({ db: pool, users }),
    identities: createIdentityClient(authApi),
    // Account changes through auth (role, status, email, invitations), lists, the delete saga, admin reads.
    ...createAdminAdapters({ pool, authApi }),
    outbox: createOutbox('users'),
    settings: { erasureServices: config.ERASURE_SERVICES },
    now: () => new Date(),
    logger,
  };
}
