// Login and refresh throughput against a real auth process, with a health request loop running
// during the login burst to show whether hashing starves the event loop.
import { randomBytes } from 'node:crypto';
import { runBounded } from './lib/bounded.ts';
import { getOk, postJson } from './lib/http.ts';
import { progress } from './lib/log.ts';
import { processCpu } from './lib/process-cpu.ts';
import { round, summarize, type Summary } from './lib/stats.ts';

export type AuthBenchOptions = { users: number; logins: number; refreshes: number; concurrency: number };

type Tokens = { access_token: string; refresh_token: string };

const MAX_MS = 60_000;
const HEALTH_MAX_REQUESTS = 20_000;
// A probe every 10 ms: enough samples for a p99, without the loop itself taking CPU from the hashes.
const HEALTH_INTERVAL_MS = 10;

function checked(label: string, run: Awaited<ReturnType<typeof runBounded>>): Summary & { failures: number } {
  // Every request must succeed: a failed login would also count towards the email+IP lockout.
  if (run.failures) throw new Error(`${label}: ${run.failures} failed; first: ${String(run.firstError)}`);
  const s = summarize(run.latenciesMs, run.elapsedMs);
  progress(`${label}: ${s.count} in ${s.seconds} s = ${s.per_s}/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms`);
  return { ...s, failures: run.failures };
}

/** GET /health every 10 ms (one at a time) until stopped: their latency is the event loop's responsiveness. */
function healthLoop(baseUrl: string) {
  const latenciesMs: number[] = [];
  let stopped = false;
  const started = performance.now();
  const done = (async () => {
    while (!stopped && latenciesMs.length < HEALTH_MAX_REQUESTS) {
      const t0 = performance.now();
      await getOk(`${baseUrl}/api/v1/health`);
      const ms = performance.now() - t0;
      latenciesMs.push(ms);
      await new Promise((r) => setTimeout(r, Math.max(0, HEALTH_INTERVAL_MS - ms)));
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

export async function measureAuthThroughput(baseUrl: string, pid: number | undefined, opts: AuthBenchOptions) {
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
  const cpuBefore = { service: processCpu(pid), bench: process.cpuUsage() };
  const busy = healthLoop(baseUrl);
  const login = checked('login', await runBounded(bounds(opts.logins), async (i) => {
    const u = users[i % users.length]!;
    const data = await postJson<Tokens>(`${api}/login`, { email: u.email, password: u.password }, 200);
    refreshTokens.push(data.refresh_token);
  }));
  const healthDuringLogins = await busy.stop();
  // Where the CPU went during the burst (the health probes are included; they are cheap). On a
  // small machine the hash runs near the raw rate only if little else needs the same cores.
  const serviceCpu = processCpu(pid);
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const perLogin = (ms: number) => round(ms / login.count, 2);
  const cpuPerLogin = {
    service_total_ms: serviceCpu && cpuBefore.service ? perLogin(serviceCpu.totalMs - cpuBefore.service.totalMs) : null,
    service_main_thread_ms: serviceCpu && cpuBefore.service ? perLogin(serviceCpu.mainThreadMs - cpuBefore.service.mainThreadMs) : null,
    load_generator_ms: perLogin((benchCpu.user + benchCpu.system) / 1000),
  };
  progress(`CPU per login: auth process ${cpuPerLogin.service_total_ms} ms (event loop thread ${cpuPerLogin.service_main_thread_ms} ms), load generator ${cpuPerLogin.load_generator_ms} ms`);
  progress(`health during the login burst: p50 ${healthDuringLogins.p50_ms} ms, p99 ${healthDuringLogins.p99_ms} ms (${healthDuringLogins.count} requests)`);

  // Each session's refresh token is rotated in turn; a slot is reused only after all others, so no
  // token is ever presented twice (which the service would treat as reuse or a two-tab race).
  const refresh = checked('refresh', await runBounded(bounds(opts.refreshes), async (i) => {
    const slot = i % refreshTokens.length;
    const data = await postJson<Tokens>(`${api}/refresh`, { refresh_token: refreshTokens[slot] }, 200);
    refreshTokens[slot] = data.refresh_token;
  }));

  return { concurrency: opts.concurrency, users: opts.users, register, login, cpu_per_login: cpuPerLogin, refresh, health_idle: healthIdle, health_during_logins: healthDuringLogins };
}
