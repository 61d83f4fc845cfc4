import { z } from 'zod';
import { commonEnv, envBoolean, loadConfig, urlOf } from '@platform/shared/config';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const httpUrl = urlOf(['http:', 'https:']);

/** A 32-byte key written as 64 hex characters or base64 (44 characters with padding). */
const aesKey = z
  .string({ message: 'required: a 32-byte key as 64 hex characters or base64 (openssl rand -base64 32)' })
  .transform((raw, ctx) => {
    const value = raw.trim();
    const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be a 32-byte key as 64 hex characters or base64 (openssl rand -base64 32)' });
      return z.NEVER;
    }
    return key;
  });

const schema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3004),
  /** Encrypts connection credentials at rest (AES-256-GCM). Changing it makes stored secrets unreadable. */
  SYNC_SECRET_KEY: aesKey,
  /** auth's base URL: client_credentials tokens. */
  AUTH_URL: httpUrl.default('http://127.0.0.1:3001'),
  AUTH_JWKS_URL: httpUrl.default('http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json'),
  /** The `iss` auth signs with (auth's JWT_ISSUER). */
  JWT_ISSUER: z.string().min(1).default('platform-auth'),
  SERVICE_CLIENT_ID: z.string().min(1).default('sync'),
  SERVICE_CLIENT_SECRET: z.string().min(1, 'the client secret of this service account at auth'),
  USER_SERVICE_URL: httpUrl.default('http://127.0.0.1:3002'),
  FILE_SERVICE_URL: httpUrl.default('http://127.0.0.1:3003'),
  /** Timeout of one call to the user service (a batch-upsert of a full batch included). */
  USER_SERVICE_TIMEOUT_MS: ms(30_000),
  FILE_SERVICE_TIMEOUT_MS: ms(30_000),
  /** Timeout of one page request to an external provider. */
  PROVIDER_TIMEOUT_MS: ms(30_000),
  /** Change-feed cursors older than this answer 410 (resync fully); changes older are pruned. */
  CHANGE_RETENTION_DAYS: z.coerce.number().int().positive().max(3650).default(30),
  /** How often the retention job prunes the change feed (one runner across replicas). */
  CHANGE_PRUNE_EVERY_MS: ms(3_600_000),
  /** Change streams (SSE): heartbeat, and a re-read of the log without a hint (a hint lost in a Redis hiccup). */
  CHANGE_STREAM_HEARTBEAT_MS: ms(15_000),
  CHANGE_STREAM_POLL_MS: ms(10_000),
  /** Redis pub/sub channel of "changes committed" hints. */
  CHANGE_SIGNAL_CHANNEL: z.string().min(1).default('sync:changes'),
  /** The change log's queues are <EVENT_QUEUE_PREFIX>.change-log.<event type>; tests use their own prefix. */
  EVENT_QUEUE_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i).default('sync'),
  /**
   * Records per batch-upsert call to the user service. New people are created set-based behind that
   * call (auth invites at most 500 per request, so 500 is one call to auth); larger batches measured no faster.
   */
  SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(500),
  /** Records asked of a provider per page, where the provider lets us choose. */
  SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Jobs one process runs at once (its prefetch on the job queue). */
  SYNC_WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(32).default(2),
  /** While the user service (or a provider) is unavailable a job pauses: first wait, doubling up to the max. */
  SYNC_BACKOFF_INITIAL_MS: ms(1_000),
  SYNC_BACKOFF_MAX_MS: ms(60_000),
  /** How long a job may stay paused on one outage before it fails. */
  SYNC_PAUSE_LIMIT_MS: ms(30 * 60_000),
  /** A running job's heartbeat; one without a beat for SYNC_JOB_STALE_MS is taken over by another worker. */
  SYNC_HEARTBEAT_MS: ms(5_000),
  SYNC_JOB_STALE_MS: ms(60_000),
  /** How often the scheduler looks for due connections and for jobs to requeue. */
  SYNC_SWEEP_MS: ms(15_000),
  /** Scheduled runs are incremental, but a full one (which finds vanished people) at least this often. */
  SYNC_FULL_RUN_EVERY_H: z.coerce.number().positive().max(24 * 365).default(24),
  /** The durable work queue jobs travel on (competing consumers). */
  SYNC_JOB_QUEUE: z.string().min(1).default('sync.jobs'),
  /** Run the cron scheduler in this process (only the lock holder among replicas fires it). */
  SYNC_SCHEDULER: envBoolean.default(true),
  /** Which proxies' X-Forwarded-For is believed (Express "trust proxy"). */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v)),
});

export type SyncConfig = z.infer<typeof schema>;

export const loadSyncConfig = (env: Record<string, string | undefined> = process.env): SyncConfig => loadConfig(schema, env);
