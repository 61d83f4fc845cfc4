// Composition root. Started as `node --import @platform/shared/telemetry/register src/main.ts`, so the
// http instrumentation makes each request's server span the root of its trace and injects
// traceparent into the upstream request.
import { createLogger } from '@platform/shared/logger';
import { metricsRegistry, onShutdown } from '@platform/shared/http';
import { loadGatewayEnv } from './config.ts';
import { loadKongConfig } from './declarative/load-kong-config.ts';
import { createGateway } from './app/create-gateway.ts';
import { createRedisClient, redisReady } from './app/redis-client.ts';

const env = loadGatewayEnv();
const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL });

let kong;
try {
  kong = loadKongConfig(env.KONG_DECLARATIVE_CONFIG);
} catch (err) {
  // The message names every bad entity and field; print it whole, then refuse to start.
  logger.error('invalid declarative config', { path: env.KONG_DECLARATIVE_CONFIG, error: (err as Error).message });
  console.error((err as Error).message);
  process.exit(1);
}
for (const warning of kong.warnings) logger.warn('declarative config', { warning });

const redis = env.REDIS_URL ? createRedisClient(env.REDIS_URL, logger) : undefined;
// Not fatal: rate-limiting with fault_tolerant keeps serving while Redis is away, and /ready says so.
if (redis) await redisReady(redis).catch((err: unknown) => logger.warn('redis not ready at start', { err }));

const gateway = createGateway({ env, kong, logger, redis, metrics: metricsRegistry });
await gateway.listen();
logger.info('declarative config loaded', { path: kong.path, configuration_hash: kong.hash });

onShutdown(logger, [() => gateway.close(), () => redis?.quit().catch(() => redis.disconnect())], { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
