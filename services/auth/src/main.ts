import { createPool, migrate } from '@platform/shared/db';
import { connectBroker, startOutboxRelay } from '@platform/shared/events';
import { closeServer, hardenServer, onShutdown } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { buildApp } from './app.ts';
import { loadAuthConfig } from './config.ts';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { loadSigningKeys } from './infra/signing-keys.ts';
import { ensureAdmin, upsertServiceAccounts } from './usecases/bootstrap.ts';
import { createAuthDeps } from './wiring.ts';

const config = loadAuthConfig();
const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });
const keys = loadSigningKeys(config.JWT_PRIVATE_KEY_FILE, config.JWT_VERIFY_KEY_FILES);
logger.info('signing keys loaded', { active_kid: keys.active.kid, verification_kids: [...keys.verification.keys()] });

const pool = createPool(config.DATABASE_URL, { logger, applicationName: 'auth' });
await migrate(pool, { schema: 'auth', dir: new URL('../migrations', import.meta.url) });
const redis = createRedisClient(config.REDIS_URL, logger);
await redisReady(redis);
const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
const relay = startOutboxRelay({ pool, broker, schema: 'auth', logger });

const deps = createAuthDeps({ config, pool, redis, keys, logger });
if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) await ensureAdmin(deps, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD });
await upsertServiceAccounts(deps, config.SERVICE_ACCOUNTS);

const app = buildApp({
  ...deps,
  keys,
  issuer: config.JWT_ISSUER,
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
  () => relay.stop(),
  () => broker.close(),
  () => redis.quit(),
  () => pool.end(),
], { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
