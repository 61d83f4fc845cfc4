import { z } from 'zod';
import { commonEnv, loadConfig } from '@platform/shared/config';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

// "client_id:secret,client_id:secret"; ids are restricted so they are safe in a token's sub.
const serviceAccounts = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const accounts: { clientId: string; secret: string }[] = [];
    for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
      const at = entry.indexOf(':');
      const clientId = at > 0 ? entry.slice(0, at) : '';
      const secret = at > 0 ? entry.slice(at + 1) : '';
      if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(clientId) || secret.length < 16) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be client_id:secret (id: a-z 0-9 _ -, secret: 16+ characters)' });
        return z.NEVER;
      }
      accounts.push({ clientId, secret });
    }
    return accounts;
  });

const schema = commonEnv
  .extend({
    PORT: z.coerce.number().int().min(1).max(65_535).default(3001),
    JWT_ISSUER: z.string().min(1).default('platform-auth'),
    JWT_PRIVATE_KEY_FILE: z.string().min(1, 'path of the PEM private key that signs access tokens'),
    JWT_VERIFY_KEY_FILES: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean)),
    // The gateway caps token lifetime at 15 minutes (guide §6).
    ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(30).max(900).default(900),
    REFRESH_TOKEN_TTL_S: seconds(30 * 24 * 3600),
    REFRESH_REUSE_GRACE_S: z.coerce.number().int().min(0).max(60).default(10),
    EMAIL_VERIFICATION_TTL_S: seconds(24 * 3600),
    PASSWORD_RESET_TTL_S: seconds(3600),
    INVITATION_TTL_S: seconds(7 * 24 * 3600),
    ADMIN_EMAIL: z.string().optional(),
    ADMIN_PASSWORD: z.string().optional(),
    SERVICE_ACCOUNTS: serviceAccounts,
    // Which proxies' X-Forwarded-For is believed for the client IP (lockout, audit): Express's
    // "trust proxy" value, e.g. loopback (gateway on the same host), "loopback, uniquelocal" in
    // containers, or a hop count.
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v)),
    ARGON2_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    LOCKOUT_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    LOCKOUT_WINDOW_S: seconds(900),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      const missing = env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together' });
    }
  });

export type AuthConfig = z.infer<typeof schema>;

export const loadAuthConfig = (env: Record<string, string | undefined> = process.env): AuthConfig => loadConfig(schema, env);
