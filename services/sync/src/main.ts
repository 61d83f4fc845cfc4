import { hostname } from 'node:os';
import { createPool, migrate } from '@platform/shared/db';
import { connectBroker, startOutboxRelay } from '@platform/shared/events';
import { closeServer, hardenServer, onShutdown } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { buildApp } from './app.ts';
import { loadSyncConfig } from './config.ts';
import { startJobWorker } from './infra/job-worker.ts';
import { startScheduler } from './infra/scheduler.ts';
import { createChangeFeed, startChangeFeedWorkers } from './change-feed-wiring.ts';
import { createServiceApis, createSyncDeps } from './wiring.ts';

const config = loadSyncConfig();
const logger = createLogger({ service: 'sync', level: config.LOG_LEVEL });

const pool = createPool(config.DATABASE_URL, { logger, applicationName: 'sync' });
await migrate(pool, { schema: 'sync', dir: new URL('../migrations', import.meta.url) });
const redis = createRedisClient(config.REDIS_URL, logger);
await redisReady(redis);
const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
const relay = startOutboxRelay({ pool, broker, schema: 'sync', logger });

// The user and file services are needed by running jobs only: the service starts without them.
const apis = createServiceApis(config, logger);
const deps = createSyncDeps({ config, pool, broker, logger, apis });
const worker = startJobWorker({
  broker, queue: config.SYNC_JOB_QUEUE, concurrency: config.SYNC_WORKER_CONCURRENCY, deps, logger,
  worker: `${hostname()}:${process.pid}`,
});
const scheduler = config.SYNC_SCHEDULER
  ? startScheduler({ pool, deps, logger, sweepMs: config.SYNC_SWEEP_MS, fullRunEveryMs: config.SYNC_FULL_RUN_EVERY_H * 3600_000 })
  : undefined;

// The change feed: consumers of the catalog events append to sync.changes; a job prunes old changes.
const changeFeed = createChangeFeed({ config, pool, redis, userApi: apis.userApi, logger });
const changeWorkers = await startChangeFeedWorkers({ feed: changeFeed, config, pool, broker, logger });

const app = buildApp({
  ...deps,
  redis,
  changeFeed,
  auth: { issuer: config.JWT_ISSUER, jwksUrl: config.AUTH_JWKS_URL },
  trustProxy: config.TRUST_PROXY,
  checks: [
    { name: 'postgres', check: () => pool.query('SELECT 1') },
    { name: 'redis', check: () => redis.ping() },
    { name: 'rabbitmq', check: () => broker.ready() },
  ],
});
const server = hardenServer(app.listen(config.PORT, () => logger.info('listening', { port: config.PORT })));

onShutdown(logger, [
  () => {
    // Open SSE streams would hold the close until the timeout: cut them after a short grace.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
    return closeServer(server);
  },
  () => scheduler?.stop(),
  // Running jobs stop at their next page boundary and go back to the queue for another worker.
  () => worker.stop(),
  () => changeWorkers.stop(),
  () => relay.stop(),
  () => broker.close(),
  () => changeFeed.signal.close(),
  () => redis.quit(),
  () => pool.end(),
], { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
