import { z } from 'zod';
import { commonEnv, loadConfig, urlOf } from '@platform/shared/config';

const list = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

// 32 bytes as 64 hex characters or as base64 (44 characters with padding, 43 without).
const secretKey = z.string().transform((raw, ctx) => {
  const v = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(v) ? Buffer.from(v, 'base64') : null;
  if (!key || key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be a 32-byte key: 64 hex characters or base64 (openssl rand -hex 32)' });
    return z.NEVER;
  }
  return key;
});

// A comma list of waits in milliseconds.
const delayList = (fallback: string) => z
  .string()
  .default(fallback)
  .transform((raw, ctx) => {
    const delays = raw.split(',').map((s) => Number(s.trim()));
    if (delays.length === 0 || delays.some((d) => !Number.isInteger(d) || d <= 0)) {
      ctx.addIssue({ code: 'custom', message: 'a comma list of positive integers (milliseconds)' });
      return z.NEVER;
    }
    return delays;
  });

const httpUrl = urlOf(['http:', 'https:']);

const schema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3005),
  /** auth's base URL: client_credentials tokens for calls to the user service. */
  AUTH_URL: httpUrl.default('http://127.0.0.1:3001'),
  AUTH_JWKS_URL: httpUrl.default('http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json'),
  /** The `iss` auth signs with (auth's JWT_ISSUER). */
  JWT_ISSUER: z.string().min(1).default('platform-auth'),
  SERVICE_CLIENT_ID: z.string().min(1).default('notification'),
  SERVICE_CLIENT_SECRET: z.string().min(1, 'the client secret of this service account at auth'),
  /** Recipient details (email, display name, locale) via POST /api/v1/internal/users/lookup. */
  USER_SERVICE_URL: httpUrl.default('http://127.0.0.1:3002'),
  USER_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2_000),
  /** How long the breaker stays open after the user service failed, before one trial call. */
  USER_SERVICE_BREAKER_RESET_MS: z.coerce.number().int().min(50).max(600_000).default(10_000),
  /** Where mail goes, e.g. smtp://127.0.0.1:1025 (Mailpit) or smtps://user:pass@host:465. */
  SMTP_URL: urlOf(['smtp:', 'smtps:']).default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('Platform <no-reply@platform.local>'),
  /**
   * The client app's base URL for links in mails: <PUBLIC_APP_URL>/verify-email?token=<token> and
   * <PUBLIC_APP_URL>/reset-password?token=<token> (invitations use reset-password too: auth accepts
   * the set-password token there).
   */
  PUBLIC_APP_URL: httpUrl.default('http://127.0.0.1:8000'),
  DEFAULT_LOCALE: z.string().regex(/^[a-z]{2}$/).default('en'),
  /** Who gets the admin mails (sync finished/failed): comma list of emails. */
  ADMIN_ALERT_EMAILS: list.pipe(z.array(z.email())),
  /** Slack-compatible incoming webhook ({text}) for operations alerts; none → alerts are only logged. */
  OPS_ALERT_WEBHOOK_URL: httpUrl.optional(),
  /** Encrypts webhook signing secrets at rest (AES-256-GCM). */
  WEBHOOK_SECRET_KEY: secretKey,
  /** Hosts (name or IP) webhooks may target even though they are private/loopback (local runs, tests). */
  WEBHOOK_ALLOWED_HOSTS: list,
  /** Deadline of one webhook request (connect to last byte); redirects are never followed. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(10_000),
  /** How often the dispatcher looks for due deliveries when idle, and how many it sends at once. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  /** Retry steps of a failed delivery (ms), each waited with full jitter; default 5 s … 24 h (about a day in expectation). */
  WEBHOOK_RETRY_SCHEDULE_MS: delayList('5000,30000,120000,600000,1800000,3600000,10800000,21600000,43200000,86400000'),
  /** Failed attempts in a row (any delivery) that disable a webhook and notify its owner. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  /** SSE: heartbeat comment interval, and open streams per user and process (0: no limit). */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(50).max(300_000).default(15_000),
  SSE_MAX_STREAMS_PER_USER: z.coerce.number().int().min(0).max(100_000).default(10),
  /** Queues are <EVENT_QUEUE_PREFIX>.<purpose>; tests use their own prefix. */
  EVENT_QUEUE_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i).default('notification'),
  /** Waits before each retry of a failed event; after the last the event goes to the DLQ (~40 min by default). */
  EVENT_RETRY_DELAYS_MS: delayList('1000,5000,30000,120000,600000,1800000'),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v)),
});

export type NotificationConfig = z.infer<typeof schema>;

export const loadNotificationConfig = (env: Record<string, string | undefined> = process.env): NotificationConfig => loadConfig(schema, env);
