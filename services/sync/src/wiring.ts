import type { Broker } from '@platform/shared/events';
import { createRunInTx, type Pool } from '@platform/shared/db';
import { createOutbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import { createServiceClient, createTokenProvider, type GetToken, type ServiceClient } from '@platform/shared/service-client';
import type { SyncConfig } from './config.ts';
import { createAesSecretBox } from './infra/aes-secret-box.ts';
import { createUserDirectoryClient } from './infra/clients/user-directory-client.ts';
import { createPgConnectionRepo } from './infra/pg-connection-repo.ts';
import { createPgJobErrorRepo } from './infra/pg-job-error-repo.ts';
import { createPgJobRepo } from './infra/pg-job-repo.ts';
import { createPgSeenRecordRepo } from './infra/pg-seen-record-repo.ts';
import { createCanvasProvider } from './infra/providers/canvas-provider.ts';
import { createCsvProvider } from './infra/providers/csv-provider.ts';
import { createProviderRegistry } from './infra/providers/registry.ts';
import { createRestJsonProvider } from './infra/providers/rest-json-provider.ts';
import { createRabbitJobQueue } from './infra/rabbit-job-queue.ts';
import type { SyncDeps } from './usecases/deps.ts';
import type { JobQueue } from './usecases/ports.ts';

export type SyncDepsConfig = Pick<SyncConfig,
  'SYNC_SECRET_KEY' | 'AUTH_URL' | 'SERVICE_CLIENT_ID' | 'SERVICE_CLIENT_SECRET' | 'USER_SERVICE_URL' | 'FILE_SERVICE_URL'
  | 'USER_SERVICE_TIMEOUT_MS' | 'FILE_SERVICE_TIMEOUT_MS' | 'PROVIDER_TIMEOUT_MS' | 'SYNC_BATCH_SIZE' | 'SYNC_PAGE_SIZE'
  | 'SYNC_BACKOFF_INITIAL_MS' | 'SYNC_BACKOFF_MAX_MS' | 'SYNC_PAUSE_LIMIT_MS' | 'SYNC_HEARTBEAT_MS' | 'SYNC_JOB_STALE_MS' | 'SYNC_JOB_QUEUE'>;

/** This service's client_credentials token at auth. */
export const createServiceToken = (config: SyncDepsConfig, logger: Logger): GetToken =>
  createTokenProvider({ authUrl: config.AUTH_URL, clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET, logger });

/** Clients of the user and file services' internal APIs (breaker per target). Retries are left to the job's own backoff. */
export function createServiceApis(config: SyncDepsConfig, logger: Logger, getToken: GetToken = createServiceToken(config, logger)) {
  return {
    userApi: createServiceClient({ name: 'user', baseUrl: config.USER_SERVICE_URL, timeoutMs: config.USER_SERVICE_TIMEOUT_MS, retries: 1, getToken, logger }),
    fileApi: createServiceClient({ name: 'file', baseUrl: config.FILE_SERVICE_URL, timeoutMs: config.FILE_SERVICE_TIMEOUT_MS, retries: 1, getToken, logger }),
  };
}

/**
 * The concrete adapters behind the use-case ports, over connections the caller opened. main.ts and
 * the integration tests wire the service the same way through this one function.
 */
export function createSyncDeps({ config, pool, broker, logger, apis = createServiceApis(config, logger), queue }: {
  config: SyncDepsConfig; pool: Pool; broker: Broker; logger: Logger;
  /** Tests pass clients aimed at fake user and file services. */
  apis?: { userApi: ServiceClient; fileApi: ServiceClient };
  queue?: JobQueue;
}): SyncDeps {
  return {
    db: pool,
    runInTx: createRunInTx(pool),
    connections: createPgConnectionRepo(),
    jobs: createPgJobRepo(),
    jobErrors: createPgJobErrorRepo(),
    seen: createPgSeenRecordRepo(),
    outbox: createOutbox('sync'),
    secrets: createAesSecretBox(config.SYNC_SECRET_KEY),
    providers: createProviderRegistry([createRestJsonProvider(), createCsvProvider(apis.fileApi), createCanvasProvider()]),
    userDirectory: createUserDirectoryClient(apis.userApi),
    queue: queue ?? createRabbitJobQueue(broker, config.SYNC_JOB_QUEUE, logger),
    settings: {
      batchSize: config.SYNC_BATCH_SIZE,
      // Two batches in flight keep the user service (and auth behind it) busy while the other answer travels.
      upsertConcurrency: 2,
      pageSize: config.SYNC_PAGE_SIZE,
      providerTimeoutMs: config.PROVIDER_TIMEOUT_MS,
      backoffInitialMs: config.SYNC_BACKOFF_INITIAL_MS,
      backoffMaxMs: config.SYNC_BACKOFF_MAX_MS,
      pauseLimitMs: config.SYNC_PAUSE_LIMIT_MS,
      heartbeatMs: config.SYNC_HEARTBEAT_MS,
      jobStaleMs: config.SYNC_JOB_STALE_MS,
    },
    now: () => new Date(),
    logger,
  };
}
