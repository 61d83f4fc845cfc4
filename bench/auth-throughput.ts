// Login and refresh throughput against a real auth process, with a health request loop running
// during the login burst to show whether hashing starves the event loop.
import { randomBytes } from 'node:crypto';
import { runBounded } from './lib/bounded.ts';
import { getOk, postJson } from './lib/http.ts';
import { progress } from './lib/log.ts';
import { summarize, type Summary } from './lib/stats.ts';

export type AuthBenchOptions = { users: number; logins: number; refreshes: number; concurrency: number };

type Tokens = { access_token: string; refresh_token: string };

const MAX_MS = 60_000;
const HEALTH_MAX_REQUESTS = 100_000;

function checked(label: string, run: Awaited<ReturnType<typeof runBounded>>): Summary & { failures: number } {
  // Every request must succeed: a failed login would also count towards the email+IP lockout.
  if (run.failures) throw new Error(`${label}: ${run.failures} failed; first: ${String(run.firstError)}`);
  const s = summarize(run.latenciesMs, run.elapsedMs);
  progress(`${label}: ${s.count} in ${s.seconds} s = ${s.per_s}/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms`);
  return { ...s, failures: run.failures };
}

/** Sequential GET /health requests until stopped: their latency is the event loop's responsiveness. */
function healthLoop(baseUrl: string) {
  const latenciesMs: number[] = [];
  let stopped = false;
  const started = performance.now();
  const done = (async () => {
    while (!stopped && latenciesMs.length < HEALTH_MAX_REQUESTS) {
      const t0 = performance.now();
      await getOk(`${baseUrl}/api/v1/health`);
      latenciesMs.push(performance.now() - t0);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return summarize(latenciesMs, performance.now() - started);
    },
  };
}

export async function measureAuthThroughput(baseUrl: string, opts: AuthBenchOptions) {
  const api = `${baseUrl}/api/v1/public/auth`;
  const runId = randomBytes(4).toString('hex');
  const users = Array.from({ length: opts.users }, (_, i) => ({
    email: `bench-${runId}-${i}@example.test`,
    password: `Bench-${randomBytes(9).toString('base64url')}-${i}`,
  }));
  const bounds = (count: number) => ({ count, concurrency: opts.concurrency, maxMs: MAX_MS });

  const idle = healthLoop(baseUrl);
  await new Promise((r) => setTimeout(r, 1_000));
  const healthIdle = await idle.stop();
  progress(`health while idle: p50 ${healthIdle.p50_ms} ms, p99 ${healthIdle.p99_ms} ms`);

  const register = checked('register', await runBounded(bounds(users.length), (i) => {
    const u = users[i % users.length]!;
    return postJson(`${api}/register`, { email: u.email, password: u.password, display_name: `Bench ${i}` }, 201);
  }));

  const refreshTokens: string[] = [];
  const busy = healthLoop(baseUrl);
  const login = checked('login', await runBounded(bounds(opts.logins), async (i) => {
    const u = users[i % users.length]!;
    const data = await postJson<Tokens>(`${api}/login`, { email: u.email, password: u.password }, 200);
    refreshTokens.push(data.refresh_token);
  }));
  const healthDuringLogins = await busy.stop();
  progress(`health during the login burst: p50 ${healthDuringLogins.p50_ms} ms, p99 ${healthDuringLogins.p99_ms} ms (${healthDuringLogins.count} requests)`);

  // Each session's refresh token is rotated in turn; a slot is reused only after all others, so no
  // token is ever presented twice (which the service would treat as reuse or a two-tab race).
  const refresh = checked('refresh', await runBounded(bounds(opts.refreshes), async (i) => {
    const slot = i % refreshTokens.length;
    const data = await postJson<Tokens>(`${api}/refresh`, { refresh_token: refreshTokens[slot] }, 200);
    refreshTokens[slot] = data.refresh_token;
  }));

  return { concurrency: opts.concurrency, users: opts.users, register, login, refresh, health_idle: healthIdle, health_during_logins: healthDuringLogins };
}
