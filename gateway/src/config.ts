import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { commonEnv, loadConfig, urlOf } from '@platform/shared/config';
import { parseCidrList } from './proxy/trusted-ips.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function defaultKongFile(): string {
  const rendered = join(repoRoot, '.data/kong/kong.yml');
  return existsSync(rendered) ? rendered : join(repoRoot, 'kong/kong.yml');
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const schema = z.object({
  NODE_ENV: commonEnv.shape.NODE_ENV,
  LOG_LEVEL: commonEnv.shape.LOG_LEVEL,
  SHUTDOWN_TIMEOUT_MS: commonEnv.shape.SHUTDOWN_TIMEOUT_MS,
  /**
   * The Kong declarative file (relative paths from the working directory). Unset: the file `npm start`
   * renders with development keys (.data/kong/kong.yml) when it exists, else kong/kong.yml, both in
   * the repository root, so `pnpm --filter ./gateway start` finds them from gateway/.
   */
  KONG_DECLARATIVE_CONFIG: z.string().min(1).default(defaultKongFile),
  GATEWAY_PORT: port(8000),
  GATEWAY_STATUS_PORT: port(8100),
  /** Bind address of both listeners (Kong's proxy_listen / status_listen address). */
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  /** Unset: no Redis (rate-limiting policy redis is then refused at start). */
  REDIS_URL: urlOf(['redis:', 'rediss:']).optional(),
  /** Per-upstream circuit breaker: failure percentage that opens it, calls before it may, open time, window. */
  GATEWAY_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  GATEWAY_BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  GATEWAY_BREAKER_RESET_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  GATEWAY_BREAKER_WINDOW_MS: z.coerce.number().int().positive().default(10_000),
  /** Kong's trusted_ips: comma-separated IPs/CIDRs whose X-Forwarded-* headers are believed. */
  GATEWAY_TRUSTED_IPS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseCidrList(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
});

export type GatewayEnv = z.infer<typeof schema>;
export const loadGatewayEnv = (env: Record<string, string | undefined> = process.env): GatewayEnv => loadConfig(schema, env);
