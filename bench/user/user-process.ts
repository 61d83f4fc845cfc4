// The user service as its `start` script runs it (services/user: node --import
// @platform/shared/telemetry/register src/main.ts), on a free port, against one benchmark database,
// with the fake auth's JWKS and token endpoint. Output goes to a log file in the run's directory.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild, waitForHttp, type Child } from '../gateway/child-process.ts';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';

const READY_TIMEOUT_MS = 60_000;

export type UserProcess = { child: Child; url: string };

export type UserLaunch = {
  label: string;
  databaseUrl: string;
  amqpUrl: string;
  exchange: string;
  authUrl: string;
  jwksUrl: string;
  runDir: string;
};

export async function startUserProcess(launch: UserLaunch): Promise<UserProcess> {
  const port = await freePort();
  // Only what the service needs: the bench's own OTEL_* or PORT must not leak in.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && !/^(PORT|DATABASE_URL|AMQP_URL|AUTH_|SERVICE_CLIENT_)/.test(key)));
  Object.assign(env, {
    NODE_ENV: 'production',
    // Per-request info logs would be measured too; warnings and errors still reach the log file.
    LOG_LEVEL: 'warn',
    PORT: String(port),
    DATABASE_URL: launch.databaseUrl,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: launch.amqpUrl,
    EVENTS_EXCHANGE: launch.exchange,
    // Consumer queues of their own too (the vhost already isolates them where rabbitmqctl exists).
    EVENT_QUEUE_PREFIX: launch.exchange,
    AUTH_URL: launch.authUrl,
    AUTH_JWKS_URL: launch.jwksUrl,
    SERVICE_CLIENT_ID: 'user',
    SERVICE_CLIENT_SECRET: 'bench-user-client-secret',
    OTEL_SERVICE_NAME: `user-bench-${launch.label}`,
    // The service's own work is measured; tracing overhead is the gateway benchmark's subject.
    OTEL_SDK_DISABLED: 'true',
  });
  const child = spawnChild({
    name: `user (${launch.label})`,
    command: process.execPath,
    args: ['--import', '@platform/shared/telemetry/register', 'src/main.ts'],
    cwd: fileURLToPath(new URL('services/user/', rootDir)),
    env,
    logFile: join(launch.runDir, `user-${launch.label}.log`),
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
