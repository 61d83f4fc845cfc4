export { createRedisClient, redisReady, type RedisClientOptions } from './create-redis-client.ts';
