import { createPool, migrate } from '@platform/shared/db';
import { connectBroker, startConsumers, startOutboxRelay } from '@platform/shared/events';
import { closeServer, hardenServer, onShutdown } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { buildApp } from './app.ts';
import { loadFileConfig } from './config.ts';
import { createTransfers } from './transfers.ts';
import { createFileDeps, createStorage } from './wiring.ts';

const config = loadFileConfig();
const logger = createLogger({ service: 'file', level: config.LOG_LEVEL });

const pool = createPool(config.DATABASE_URL, { logger, applicationName: 'file' });
await migrate(pool, { schema: 'files', dir: new URL('../migrations', import.meta.url) });
const redis = createRedisClient(config.REDIS_URL, logger);
await redisReady(redis);
const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
const relay = startOutboxRelay({ pool, broker, schema: 'files', logger });

const storage = await createStorage(config);
await storage.check();
logger.info('storage ready', { driver: storage.name, ...(storage.name === 'local' && { dir: config.STORAGE_DIR }) });
// Writes cut off by a crash or a hard stop of an earlier run; none is older than the longest request.
void storage.sweepIncomplete?.(new Date(Date.now() - config.REQUEST_TIMEOUT_MS - 60_000)).then(
  (removed) => { if (removed > 0) logger.info('storage: removed interrupted writes', { removed }); },
  (err: unknown) => logger.warn('storage: could not sweep interrupted writes', { err }),
);

const deps = createFileDeps({ config, pool, storage, logger });
const transfers = createTransfers({ config, core: deps, pool, logger });
const consumers = await startConsumers(broker, [transfers.userErasureConsumer()], { pool, schema: 'files', logger });
const cleanup = transfers.scheduleCleanup();
const app = buildApp({
  ...deps,
  issuer: config.JWT_ISSUER,
  jwksUrl: config.AUTH_JWKS_URL,
  redis,
  trustProxy: config.TRUST_PROXY,
  transfers,
  checks: [
    { name: 'postgres', check: () => pool.query('SELECT 1') },
    { name: 'redis', check: () => redis.ping() },
    { name: 'rabbitmq', check: () => broker.ready() },
    { name: 'storage', check: () => storage.check() },
  ],
});
// Uploads and downloads of large files take long: the whole-request limit is the config's, the
// header limit stays short so a slow client cannot hold a socket before sending a request.
const server = hardenServer(app.listen(config.PORT, () => logger.info('listening', { port: config.PORT })), {
  requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
});

onShutdown(logger, [
  () => closeServer(server),
  () => cleanup.stop(),
  () => consumers.stop(),
  () => relay.stop(),
  () => broker.close(),
  () => redis.quit(),
  () => pool.end(),
], { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
