import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { commonEnv, envBoolean, loadConfig, urlOf } from '@platform/shared/config';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MB = 1024 * 1024;

const bytes = (fallback: number) => z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).default(fallback);
const list = (fallback: string) =>
  z.string().default(fallback).transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));

/**
 * Types a stored file may have (after sniffing). `type/*` allows a whole family. Executables,
 * scripts, HTML and SVG are left out on purpose: they run in a browser or on a machine.
 */
export const DEFAULT_ALLOWED_CONTENT_TYPES = [
  'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/heic', 'image/heif', 'image/bmp', 'image/tiff',
  'application/pdf',
  'text/plain', 'text/csv', 'text/markdown', 'application/json',
  'application/zip', 'application/gzip', 'application/x-tar', 'application/x-7z-compressed',
  'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/x-cfb',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation', 'application/rtf', 'application/epub+zip',
  'audio/*', 'video/*',
].join(',');

const schema = commonEnv
  .extend({
    PORT: z.coerce.number().int().min(1).max(65_535).default(3003),
    AUTH_JWKS_URL: urlOf(['http:', 'https:']).default('http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json'),
    /** The `iss` auth signs with (auth's JWT_ISSUER). */
    JWT_ISSUER: z.string().min(1).default('platform-auth'),
    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    /** Data directory of the local driver; relative paths are under the repository root. */
    STORAGE_DIR: z
      .string()
      .min(1)
      .default('.data/files')
      .transform((p) => (isAbsolute(p) ? p : resolve(REPO_ROOT, p))),
    S3_ENDPOINT: urlOf(['http:', 'https:']).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_BUCKET: z.string().min(1).optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** MinIO and most self-hosted S3 APIs want path-style URLs. */
    S3_FORCE_PATH_STYLE: envBoolean.default(true),
    /** Create S3_BUCKET at start when it is missing (development stacks; off in production). */
    S3_CREATE_BUCKET: envBoolean.default(false),
    /** Largest single file (multipart and tus); passing it answers 413 at once. */
    MAX_UPLOAD_BYTES: bytes(100 * MB),
    /** Quota of a user without a limit of their own. */
    DEFAULT_QUOTA_BYTES: bytes(1024 * MB),
    /** Uploads at least this big are flagged `large` in file.uploaded. */
    LARGE_UPLOAD_BYTES: bytes(50 * MB),
    ALLOWED_CONTENT_TYPES: list(DEFAULT_ALLOWED_CONTENT_TYPES),
    /** HMAC key of signed download links (32+ characters). */
    LINK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /** Longest lifetime of a signed link. */
    LINK_MAX_TTL_S: z.coerce.number().int().positive().max(7 * 24 * 3600).default(7 * 24 * 3600),
    /** Base of the URLs handed out in signed links (the gateway's API root). */
    PUBLIC_BASE_URL: urlOf(['http:', 'https:']).default('http://127.0.0.1:8000/KONGAPI/api/v1'),
    /** Files older than this many days are deleted by the cleanup job; unset keeps them forever. */
    FILE_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
    /** When the cleanup job runs (cron). */
    CLEANUP_CRON: z.string().min(1).default('*/10 * * * *'),
    /** Where tus keeps unfinished resumable uploads (local disk whatever STORAGE_DRIVER is); relative to the repository root. */
    TUS_DIR: z
      .string()
      .min(1)
      .default('.data/tus-uploads')
      .transform((p) => (isAbsolute(p) ? p : resolve(REPO_ROOT, p))),
    /** An unfinished tus upload expires (410, then removed by the cleanup job) this long after it was created. */
    TUS_EXPIRATION_S: z.coerce.number().int().positive().default(24 * 3600),
    /** Which proxies' X-Forwarded-For is believed (Express "trust proxy"). */
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v)),
    /** Longest time a single request (an upload or a download) may take. */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(60 * 60_000),
  })
  .superRefine((env, ctx) => {
    if (env.STORAGE_DRIVER !== 's3') return;
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when STORAGE_DRIVER=s3' });
    }
  });

export type FileConfig = z.infer<typeof schema>;

export const loadFileConfig = (env: Record<string, string | undefined> = process.env): FileConfig => loadConfig(schema, env);
