import { createPool, migrate } from '@platform/shared/db';
import { connectBroker, startConsumers, startOutboxRelay } from '@platform/shared/events';
import { closeServer, hardenServer, onShutdown } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { buildApp } from './app.ts';
import { loadUserConfig } from './config.ts';
import { onUserDataErased } from './infra/consumers/on-user-data-erased.ts';
import { onUserRegistered } from './infra/consumers/on-user-registered.ts';
import { startBanExpiry } from './usecases/admin/expire-bans.ts';
import { withQueuePrefix } from './infra/consumers/queue-prefix.ts';
import { createAuthApi, createUserDeps } from './wiring.ts';

const config = loadUserConfig();
const logger = createLogger({ service: 'user', level: config.LOG_LEVEL });

const pool = createPool(config.DATABASE_URL, { logger, applicationName: 'user' });
await migrate(pool, { schema: 'users', dir: new URL('../migrations', import.meta.url) });
const redis = createRedisClient(config.REDIS_URL, logger);
await redisReady(redis);
const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
const relay = startOutboxRelay({ pool, broker, schema: 'users', logger });

const authApi = createAuthApi(config, logger);
const deps = createUserDeps({ config, pool, redis, logger, authApi });
const consumers = await startConsumers(broker, withQueuePrefix(config.EVENT_QUEUE_PREFIX, [
  onUserRegistered(deps),
  onUserDataErased(deps),
]), { pool, schema: 'users', logger });
// Bans with an end are lifted once it has passed (auth first, then user.unbanned).
const banExpiry = startBanExpiry(deps);

const app = buildApp({
  ...deps,
  tokens: { issuer: config.JWT_ISSUER, jwksUrl: config.AUTH_JWKS_URL },
  redis,
  trustProxy: config.TRUST_PROXY,
  checks: [
    { name: 'postgres', check: () => pool.query('SELECT 1') },
    { name: 'redis', check: () => redis.ping() },
    { name: 'rabbitmq', check: () => broker.ready() },
  ],
});
const server = hardenServer(app.listen(config.PORT, () => logger.info('listening', { port: config.PORT })));

onShutdown(logger, [
  () => closeServer(server),
  () => consumers.stop(),
  () => banExpiry.stop(),
  () => relay.stop(),
  () => broker.close(),
  () => redis.quit(),
  () => { authApi.close(); },
  () => pool.end(),
], { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
