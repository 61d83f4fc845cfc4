// The notification service as its `start` script runs it (services/notification: node --import
// @platform/shared/telemetry/register src/main.ts), on a free port, against the benchmark's
// database, RabbitMQ vhost, fake auth, fake user directory and SMTP catcher. Logs go to a file.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild, waitForHttp, type Child } from '../gateway/child-process.ts';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';

const READY_TIMEOUT_MS = 60_000;
// Development-only key (public): encrypts the benchmark's webhook secrets at rest.
const BENCH_WEBHOOK_KEY = '62656e63682d6f6e6c792d776562686f6f6b2d7365637265742d6b65792d2121';

export type NotificationProcess = { child: Child; url: string };

export async function startNotificationProcess(launch: {
  databaseUrl: string; amqpUrl: string; exchange: string; queuePrefix: string; authUrl: string; jwksUrl: string; issuer: string;
  userServiceUrl: string; smtpUrl: string; runDir: string; extraEnv?: Record<string, string>;
}): Promise<NotificationProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) =>
    !key.startsWith('OTEL_') && !/^(PORT|DATABASE_URL|AMQP_URL|AUTH_|SERVICE_CLIENT_|SMTP_|WEBHOOK_|SSE_|EVENT)/.test(key)));
  Object.assign(env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    DATABASE_URL: launch.databaseUrl,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: launch.amqpUrl,
    EVENTS_EXCHANGE: launch.exchange,
    EVENT_QUEUE_PREFIX: launch.queuePrefix,
    EVENT_RETRY_DELAYS_MS: '1000,5000',
    AUTH_URL: launch.authUrl,
    AUTH_JWKS_URL: launch.jwksUrl,
    JWT_ISSUER: launch.issuer,
    SERVICE_CLIENT_ID: 'notification',
    SERVICE_CLIENT_SECRET: 'bench-notification-client-secret',
    USER_SERVICE_URL: launch.userServiceUrl,
    SMTP_URL: launch.smtpUrl,
    WEBHOOK_SECRET_KEY: BENCH_WEBHOOK_KEY,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    // One user's many SSE clients are the fan-out being measured.
    SSE_MAX_STREAMS_PER_USER: '0',
    OTEL_SERVICE_NAME: 'notification-bench',
    OTEL_SDK_DISABLED: 'true',
    ...launch.extraEnv,
  });
  const child = spawnChild({
    name: 'notification',
    command: process.execPath,
    args: ['--import', '@platform/shared/telemetry/register', 'src/main.ts'],
    cwd: fileURLToPath(new URL('services/notification/', rootDir)),
    env,
    logFile: join(launch.runDir, 'notification.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/api/v1/ready`, READY_TIMEOUT_MS, 200);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, url };
}

/** Resident memory of a process in MiB (Linux /proc), or null. */
export async function rssMiB(pid: number): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}
