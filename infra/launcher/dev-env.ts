// Environment of each process `npm start` runs: development defaults a user's own env overrides,
// plus per-process values (port, service name, client id) that only the launcher can know.
import { join } from 'node:path';
import { DEV_KEYS_DIR, RENDERED_KONG_FILE } from './dev-keys.ts';
import { infraEnv, type InfraUrls } from './resolve-infra.ts';
import { GATEWAY_PORT, GATEWAY_STATUS_PORT, type App } from './workspace.ts';

export const DEV_ADMIN = { email: 'admin@platform.local', password: 'DevAdmin-Passw0rd!' } as const;

/** client_credentials secrets of the platform's own service accounts; development only. */
export const DEV_SERVICE_SECRETS: Readonly<Record<string, string>> = {
  user: 'dev-user-secret-123456',
  file: 'dev-file-secret-123456',
  sync: 'dev-sync-secret-123456',
  notification: 'dev-notification-secret-123456',
  gateway: 'dev-gateway-secret-123456',
};

export const AUTH_BASE_URL = 'http://127.0.0.1:3001';

type Env = Record<string, string | undefined>;

export type LaunchedApp = App & {
  env: Record<string, string>;
  /** GET answers 200 once the process and its dependencies are ready. */
  readyUrl: string;
  /** What a developer calls: the gateway's API root or the service's own base URL. */
  publicUrl: string;
};

export function devDefaults(root: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    AUTH_URL: AUTH_BASE_URL,
    AUTH_JWKS_URL: `${AUTH_BASE_URL}/api/v1/public/auth/.well-known/jwks.json`,
    ADMIN_EMAIL: DEV_ADMIN.email,
    ADMIN_PASSWORD: DEV_ADMIN.password,
    // Generated on first start (dev-keys.ts), never committed.
    JWT_PRIVATE_KEY_FILE: join(root, DEV_KEYS_DIR, 'jwt-private.pem'),
    SERVICE_ACCOUNTS: Object.entries(DEV_SERVICE_SECRETS)
      .map(([id, secret]) => `${id}:${secret}`)
      .join(','),
    GATEWAY_PORT: String(GATEWAY_PORT),
    GATEWAY_STATUS_PORT: String(GATEWAY_STATUS_PORT),
    // kong/kong.yml rendered with the development keys (dev-keys.ts).
    KONG_DECLARATIVE_CONFIG: join(root, RENDERED_KONG_FILE),
    // notification: the key that encrypts webhook secrets at rest (development only, public), and
    // webhook targets on this machine allowed despite the SSRF guard.
    WEBHOOK_SECRET_KEY: '646576656c6f706d656e742d6f6e6c792d776562686f6f6b2d6b65792d333221',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    // file: the HMAC key of signed download links (development only, public).
    LINK_SIGNING_SECRET: 'development-only-file-link-signing-secret-0123456789',
    // sync: the AES-256-GCM key that encrypts connection credentials at rest (development only, public).
    SYNC_SECRET_KEY: '646576656c6f706d656e742d6f6e6c792d73796e632d6b65792d333262797465',
  };
}

/**
 * Shared defaults yield to the user's env; per-process values (PORT, OTEL_SERVICE_NAME, client id
 * and secret) are always the launcher's, since one exported PORT cannot fit five processes.
 */
export function planApp(app: App, { root, infra, userEnv }: { root: string; infra: InfraUrls; userEnv: Env }): LaunchedApp {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(devDefaults(root))) env[name] = userEnv[name] ?? value;
  for (const [name, value] of Object.entries(userEnv)) if (value !== undefined) env[name] = value;
  Object.assign(env, infraEnv(infra), { OTEL_SERVICE_NAME: app.name });
  const secret = DEV_SERVICE_SECRETS[app.name];
  if (secret) Object.assign(env, { SERVICE_CLIENT_ID: app.name, SERVICE_CLIENT_SECRET: secret });

  if (app.kind === 'gateway') {
    const port = Number(env.GATEWAY_PORT);
    return {
      ...app,
      port,
      env,
      readyUrl: `http://127.0.0.1:${env.GATEWAY_STATUS_PORT}/api/v1/ready`,
      publicUrl: `http://127.0.0.1:${port}/KONGAPI/api/v1`,
    };
  }
  env.PORT = String(app.port);
  const base = `http://127.0.0.1:${app.port}`;
  return { ...app, env, readyUrl: `${base}/api/v1/ready`, publicUrl: `${base}/api/v1` };
}
