// rate-limiting's config as Kong 3.10 defines it (kong/plugins/rate-limiting/schema.lua and
// shared/kong/plugin-schemas-3.10/RateLimiting.json): same fields, defaults and entity checks.
// What this gateway does not implement is refused by name instead of being ignored.
import { z } from 'zod';
import { PERIODS } from './windows.ts';

const SYNC_RATE_REALTIME = -1;

const notImplemented = (what: string) => z.never({ error: `${what} is not implemented by this gateway` }).optional();

const period = z.number().gt(0).optional();

// kong/tools/redis/schema.lua. The connection itself is the gateway's REDIS_URL client (one pool
// for every plugin); these fields keep the file valid for real Kong, which connects with them.
const redis = z.strictObject({
  host: z.string().optional(),
  port: z.number().int().min(0).max(65_535).default(6379),
  timeout: z.number().int().min(0).max(2_147_483_646).default(2000),
  username: z.string().optional(),
  password: z.string().optional(),
  database: z.number().int().default(0),
  ssl: z.boolean().default(false),
  ssl_verify: z.boolean().default(false),
  server_name: z.string().optional(),
  // Kong Enterprise's Redis partial: Sentinel and Cluster.
  sentinel_master: notImplemented('Redis Sentinel (config.redis.sentinel_master)'),
  sentinel_role: notImplemented('Redis Sentinel (config.redis.sentinel_role)'),
  sentinel_nodes: notImplemented('Redis Sentinel (config.redis.sentinel_nodes)'),
  sentinel_addresses: notImplemented('Redis Sentinel (config.redis.sentinel_addresses)'),
  sentinel_username: notImplemented('Redis Sentinel (config.redis.sentinel_username)'),
  sentinel_password: notImplemented('Redis Sentinel (config.redis.sentinel_password)'),
  cluster_nodes: notImplemented('Redis Cluster (config.redis.cluster_nodes)'),
  cluster_addresses: notImplemented('Redis Cluster (config.redis.cluster_addresses)'),
  cluster_max_redirections: notImplemented('Redis Cluster (config.redis.cluster_max_redirections)'),
  connection_is_proxied: notImplemented('config.redis.connection_is_proxied'),
});

// Kong 3.x still accepts the flat redis_* forms (deprecated); this gateway asks for the record.
const shorthand = (field: string) =>
  z.never({ error: `config.redis_${field} is a deprecated shorthand not accepted here; write config.redis.${field}` }).optional();

// typedefs.header_name and typedefs.path.
const headerName = z.string().regex(/^[A-Za-z0-9_-]+$/, {
  error: (issue) => `bad header name '${String(issue.input)}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`,
});
const path = z
  .string()
  .startsWith('/', { error: 'should start with: /' })
  .refine((value) => !value.includes('//'), { error: 'must not have empty segments' });

export const rateLimitingSchema = z
  .strictObject({
    second: period,
    minute: period,
    hour: period,
    day: period,
    month: period,
    year: period,
    limit_by: z.enum(['consumer', 'credential', 'ip', 'service', 'header', 'path', 'consumer-group']).default('consumer'),
    header_name: headerName.optional(),
    path: path.optional(),
    policy: z.enum(['local', 'redis', 'cluster']).default('local'),
    fault_tolerant: z.boolean().default(true),
    redis: redis.prefault({}),
    hide_client_headers: z.boolean().default(false),
    // Kong only asks for > 0; a status outside 100-599 cannot be sent by Node (nor by nginx).
    error_code: z.number().int().min(100).max(599).default(429),
    error_message: z.string().default('API rate limit exceeded'),
    sync_rate: z.number().default(SYNC_RATE_REALTIME),
    redis_host: shorthand('host'),
    redis_port: shorthand('port'),
    redis_password: shorthand('password'),
    redis_username: shorthand('username'),
    redis_ssl: shorthand('ssl'),
    redis_ssl_verify: shorthand('ssl_verify'),
    redis_server_name: shorthand('server_name'),
    redis_timeout: shorthand('timeout'),
    redis_database: shorthand('database'),
  })
  .superRefine((config, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    if (PERIODS.every((p) => config[p] === undefined)) {
      issue([], `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}`);
    }
    // Kong's validate_periods_order: a longer window may not allow fewer requests than a shorter one.
    PERIODS.forEach((lower, i) => {
      const v1 = config[lower];
      if (v1 === undefined) return;
      for (const upper of PERIODS.slice(i + 1)) {
        const v2 = config[upper];
        if (v2 !== undefined && v2 < v1) {
          issue([upper], `The limit for ${upper}(${v2.toFixed(1)}) cannot be lower than the limit for ${lower}(${v1.toFixed(1)})`);
        }
      }
    });
    if (config.policy === 'cluster') {
      issue(['policy'], "policy 'cluster' needs Kong's database (real Kong refuses it in DB-less mode too); use 'local' or 'redis'");
    }
    if (config.sync_rate !== SYNC_RATE_REALTIME) {
      issue(['sync_rate'], 'sync_rate other than -1 (batched counter sync) is not implemented by this gateway');
    }
    if (config.limit_by === 'consumer-group') {
      issue(['limit_by'], "limit_by 'consumer-group' is not implemented by this gateway (no consumer groups)");
    }
    if (config.policy === 'redis' && config.redis.host === undefined) issue(['redis', 'host'], 'required field missing');
    if (config.limit_by === 'header' && config.header_name === undefined) issue(['header_name'], 'required field missing');
    if (config.limit_by === 'path' && config.path === undefined) issue(['path'], 'required field missing');
  });

export type RateLimitingConfig = z.infer<typeof rateLimitingSchema>;
