import { z } from 'zod';

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try { return protocols.includes(new URL(v).protocol); } catch { return false; }
  }, { message: `must be a URL (${protocols.join(' or ')})` });

export const urlOf = url;

/** Booleans from env: "true/1/yes" and "false/0/no"; anything else is an error, not a silent false. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Variables every service reads. Services extend this object. */
export const commonEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/platform'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  AMQP_URL: url(['amqp:', 'amqps:']).default('amqp://guest:guest@127.0.0.1:5672'),
  EVENTS_EXCHANGE: z.string().min(1).default('platform.events'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});
