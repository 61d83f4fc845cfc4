import { jwksKeyResolver } from '@platform/shared/auth';
import { createPool, migrate } from '@platform/shared/db';
import { connectBroker, startConsumers, startOutboxRelay, type DeadLetterInfo } from '@platform/shared/events';
import { closeServer, hardenServer, onShutdown } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { createTokenProvider } from '@platform/shared/service-client';
import { buildApp } from './app.ts';
import { createChannels } from './channels-wiring.ts';
import { loadNotificationConfig } from './config.ts';
import { createConsumers } from './infra/consumers/index.ts';
import { createRabbitDeadLetterStore } from './infra/rabbit-dead-letter-store.ts';
import { alertDeadLetter } from './usecases/alert-dead-letter.ts';
import { createNotificationDeps } from './wiring.ts';

const SCHEMA = 'notifications';

const config = loadNotificationConfig();
const logger = createLogger({ service: 'notification', level: config.LOG_LEVEL });

const pool = createPool(config.DATABASE_URL, { logger, applicationName: 'notification' });
await migrate(pool, { schema: SCHEMA, dir: new URL('../migrations', import.meta.url) });
const redis = createRedisClient(config.REDIS_URL, logger);
await redisReady(redis);
// Subscriber mode needs a connection of its own: the one every SSE stream of this process shares.
const subscriber = createRedisClient(config.REDIS_URL, logger);
await redisReady(subscriber);
const channels = createChannels({ config, pool, redis, subscriber, logger });
const broker = await connectBroker(config.AMQP_URL, logger, { exchange: config.EVENTS_EXCHANGE });
const relay = startOutboxRelay({ pool, broker, schema: SCHEMA, logger });

const getServiceToken = createTokenProvider({
  authUrl: config.AUTH_URL, clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET, logger,
});
const deps = createNotificationDeps({ config, pool, logger, getServiceToken, listeners: channels.listeners });
// Not a readiness check: mail waits in the retry queues while SMTP is down, the API stays up.
deps.mailer.verify().catch((err: Error) => logger.warn('smtp server not reachable yet; mails wait and retry', { err: err.message }));

const { defs, queues } = createConsumers(deps, config.EVENT_QUEUE_PREFIX, channels.consumers);
const consumerOptions = {
  pool, schema: SCHEMA, logger,
  retryDelaysMs: config.EVENT_RETRY_DELAYS_MS,
  onDeadLetter: (info: DeadLetterInfo) => alertDeadLetter(deps.alerter, info),
};
const consumers = await startConsumers(broker, defs.filter((d) => !channels.isFanOut(d)), consumerOptions);
// Webhook fan-out on slots of its own: mail handlers waiting on SMTP do not hold webhooks back.
const fanOutConsumers = await startConsumers(broker, defs.filter((d) => channels.isFanOut(d)), { ...consumerOptions, concurrency: 2 });

const app = buildApp({
  ...deps,
  auth: { issuer: config.JWT_ISSUER, getKey: jwksKeyResolver(config.AUTH_JWKS_URL), redis },
  deadLetters: createRabbitDeadLetterStore(broker),
  queues,
  routers: channels.routers,
  trustProxy: config.TRUST_PROXY,
  checks: [
    { name: 'postgres', check: () => pool.query('SELECT 1') },
    { name: 'redis', check: () => redis.ping() },
    { name: 'rabbitmq', check: () => broker.ready() },
  ],
});
channels.startDispatcher(deps);
const server = hardenServer(app.listen(config.PORT, () => logger.info('listening', { port: config.PORT })));

onShutdown(logger, [
  // SSE streams first: the server waits for open responses before it closes.
  () => channels.stop(),
  () => closeServer(server),
  () => consumers.stop(),
  () => fanOutConsumers.stop(),
  () => relay.stop(),
  () => broker.close(),
  () => deps.close(),
  () => redis.quit(),
  () => pool.end(),
], { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
