import { z } from 'zod';
import { commonEnv, loadConfig, urlOf } from '@platform/shared/config';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3002),
  /** auth's base URL: client_credentials tokens and its internal API. */
  AUTH_URL: urlOf(['http:', 'https:']).default('http://127.0.0.1:3001'),
  AUTH_JWKS_URL: urlOf(['http:', 'https:']).default('http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json'),
  /** The `iss` auth signs with (auth's JWT_ISSUER). */
  JWT_ISSUER: z.string().min(1).default('platform-auth'),
  SERVICE_CLIENT_ID: z.string().min(1).default('user'),
  SERVICE_CLIENT_SECRET: z.string().min(1, 'the client secret of this service account at auth'),
  /** Timeout per call to auth's API. */
  AUTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2_000),
  /** Lifetime of a cached single-user read in Redis. */
  CACHE_TTL_S: seconds(300),
  /** Services that must confirm erasure (user.data_erased) before a deletion counts as complete. */
  ERASURE_SERVICES: z
    .string()
    .default('file,notification,sync')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** Queues are <EVENT_QUEUE_PREFIX>.<purpose> (user.profiles …); tests use their own prefix. */
  EVENT_QUEUE_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i).default('user'),
  /** Which proxies' X-Forwarded-For is believed (Express "trust proxy"). */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v)),
});

export type UserConfig = z.infer<typeof schema>;

export const loadUserConfig = (env: Record<string, string | undefined> = process.env): UserConfig => loadConfig(schema, env);
