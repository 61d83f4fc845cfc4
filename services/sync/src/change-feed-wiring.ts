import type { Redis } from 'ioredis';
import type { Pool } from '@platform/shared/db';
import { createOutbox, startConsumers, type Broker, type Consumers } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { ServiceClient } from '@platform/shared/service-client';
import type { SyncConfig } from './config.ts';
import { startChangePruner, type ChangePruner } from './infra/change-pruner.ts';
import { createUserRecordClient } from './infra/clients/user-record-client.ts';
import { createChangeLogConsumers, DEFAULT_CHANGE_LOG_RETRY, type ChangeLogRetry } from './infra/consumers/change-log-consumers.ts';
import { createPgChangeLog } from './infra/pg-change-log.ts';
import { createRedisChangeSignal } from './infra/redis-change-signal.ts';
import type { ChangeStreamSettings } from './http/stream-router.ts';
import type { ChangeFeedDeps } from './usecases/change-feed-ports.ts';

export type ChangeFeedConfig = Pick<SyncConfig,
  'EVENT_QUEUE_PREFIX' | 'CHANGE_RETENTION_DAYS' | 'CHANGE_PRUNE_EVERY_MS' | 'CHANGE_SIGNAL_CHANNEL'
  | 'CHANGE_STREAM_HEARTBEAT_MS' | 'CHANGE_STREAM_POLL_MS'>;

/** What the HTTP app needs of the change feed (buildApp mounts its routes when given). */
export type ChangeFeed = ChangeFeedDeps & { stream: ChangeStreamSettings };

/** The change feed's adapters (the log in Postgres, hints over Redis, user records through the breaker client). */
export function createChangeFeed({ config, pool, redis, userApi, logger }: {
  config: ChangeFeedConfig; pool: Pool; redis: Redis; userApi: ServiceClient; logger: Logger;
}): ChangeFeed {
  return {
    db: pool,
    changes: createPgChangeLog(),
    users: createUserRecordClient(userApi),
    signal: createRedisChangeSignal({ redis, logger, channel: config.CHANGE_SIGNAL_CHANNEL }),
    outbox: createOutbox('sync'),
    retentionDays: config.CHANGE_RETENTION_DAYS,
    now: () => new Date(),
    logger,
    stream: { heartbeatMs: config.CHANGE_STREAM_HEARTBEAT_MS, pollMs: config.CHANGE_STREAM_POLL_MS, maxBufferedBytes: 1 << 20 },
  };
}

export type ChangeFeedWorkers = { consumers: Consumers; pruner: ChangePruner; stop(): Promise<void> };

/** The consumers writing the log and the retention job (main.ts; tests start them the same way). */
export async function startChangeFeedWorkers({ feed, config, pool, broker, logger, retry = DEFAULT_CHANGE_LOG_RETRY }: {
  feed: ChangeFeed; config: ChangeFeedConfig; pool: Pool; broker: Broker; logger: Logger; retry?: ChangeLogRetry;
}): Promise<ChangeFeedWorkers> {
  const consumers = await startConsumers(broker, createChangeLogConsumers(feed, config.EVENT_QUEUE_PREFIX, retry), { pool, schema: 'sync', logger });
  const pruner = startChangePruner({
    pool, changes: feed.changes, retentionDays: config.CHANGE_RETENTION_DAYS, everyMs: config.CHANGE_PRUNE_EVERY_MS, logger,
  });
  return {
    consumers,
    pruner,
    async stop() {
      await pruner.stop();
      await consumers.stop();
    },
  };
}
