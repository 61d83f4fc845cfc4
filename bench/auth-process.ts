// A real auth service process for the HTTP benchmarks: its own database, its own events exchange,
// a free port; started exactly as the package's `start` script does and stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { devDefaults } from '../infra/launcher/dev-env.ts';
import { DEV_KEYS_DIR, ensureDevKeys } from '../infra/launcher/dev-keys.ts';
import { deleteExchange } from './lib/bench-exchange.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { createBenchDatabase } from './lib/bench-database.ts';
import { infra, rootDir } from './lib/deps.ts';
import { freePort } from './lib/free-port.ts';
import { progress } from './lib/log.ts';

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const KEEP_LINES = 40;

export type AuthProcess = { baseUrl: string; pid: number | undefined; stop(): Promise<void> };

export async function startAuthProcess(): Promise<AuthProcess> {
  const root = fileURLToPath(rootDir);
  const db = await createBenchDatabase(infra.databaseUrl, 'auth');
  const port = await freePort();
  const exchange = `bench.auth.${randomBytes(4).toString('hex')}`;
  // devDefaults points auth at the development signing key; create it if this checkout has none yet.
  ensureDevKeys(`${root}/${DEV_KEYS_DIR}`);
  const env = {
    ...process.env,
    ...devDefaults(root),
    DATABASE_URL: db.url,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    // Events of bench users go to an exchange of their own, so no real consumer sees them.
    EVENTS_EXCHANGE: exchange,
    PORT: String(port),
    OTEL_SERVICE_NAME: 'auth-bench',
  };
  const child = spawn(process.execPath, ['--import', '@platform/shared/telemetry/register', 'src/main.ts'], {
    cwd: `${root}/services/auth`,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Output is drained (a full pipe would stall the service) and the tail kept for error messages.
  const lastLines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lastLines.push(line);
      if (lastLines.length > KEEP_LINES) lastLines.shift();
    });
  }
  const exited = once(child, 'exit');
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    done();
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await db.drop();
    await deleteExchange(infra.amqpUrl, exchange);
  };
  const done = onInterrupt(stop);

  const baseUrl = `http://127.0.0.1:${port}`;
  progress(`auth: starting on port ${port} with database ${db.name}`);
  const started = Date.now();
  try {
    for (;;) {
      if (!running) throw new Error(`auth exited before it was ready:\n${lastLines.join('\n')}`);
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`auth not ready after ${READY_TIMEOUT_MS / 1000} s:\n${lastLines.join('\n')}`);
      const ok = await fetch(`${baseUrl}/api/v1/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  progress(`auth: ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { baseUrl, pid: child.pid, stop };
}
