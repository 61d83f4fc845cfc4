// `pnpm bench`: every measurement in one run on this machine. The platform core (issue 3: argon2,
// login, refresh, JWT, events, telemetry) is written to bench/results/latest.{json,md}; the gateway
// and each service write their own bench/results/<part>-latest.{json,md}. Each part is bounded in
// count and time and talks to loopback servers only; a part that fails is recorded and the rest run.
//
// `pnpm bench -- --only=user,file` (or BENCH_ONLY=user,file) runs some parts: core, gateway, user,
// file, sync, notification.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { ARGON2_OPTIONS } from '../services/auth/src/infra/argon2-hasher.ts';
import { loadAuthConfig } from '../services/auth/src/config.ts';
import { measureRawPublish } from './amqp-publish.ts';
import { measureArgon2 } from './argon2-rate.ts';
import { startAuthProcess } from './auth-process.ts';
import { measureAuthThroughput } from './auth-throughput.ts';
import { measureJwtVerify } from './jwt-verify.ts';
import { infra } from './lib/deps.ts';
import { runInterruptCleanups } from './lib/cleanup.ts';
import { closeHttp } from './lib/http.ts';
import { progress } from './lib/log.ts';
import { pickNumber } from './lib/pick.ts';
import { round } from './lib/stats.ts';
import { measureOutboxRelay } from './outbox-relay.ts';
import { writeResults } from './report.ts';
import { runTelemetryOverhead } from './telemetry-run.ts';
import { runGatewayBenchPart } from './gateway/run-gateway-bench.ts';
import { gitCommit } from './lib/run-info.ts';

const AUTH_LOAD = { users: 40, logins: 200, refreshes: 1_000, concurrency: 8 };

const errors: Record<string, string> = {};

const PARTS = ['core', 'gateway', 'user', 'file', 'sync', 'notification'] as const;
const onlyArg = process.argv.slice(2).find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? process.env.BENCH_ONLY ?? '';
const only = new Set(onlyArg.split(',').map((p) => p.trim()).filter(Boolean));
for (const name of only) if (!(PARTS as readonly string[]).includes(name)) throw new Error(`unknown bench part "${name}"; parts: ${PARTS.join(', ')}`);
const wanted = (name: (typeof PARTS)[number]) => only.size === 0 || only.has(name);

/** A service's benchmark lives in bench/<name>/run-<name>-bench.ts and exports run<Name>Bench(). */
async function serviceBench(name: 'user' | 'file' | 'sync' | 'notification'): Promise<unknown> {
  const file = new URL(`./${name}/run-${name}-bench.ts`, import.meta.url);
  if (!existsSync(file)) return { skipped: `bench/${name}/run-${name}-bench.ts does not exist yet` };
  const mod = (await import(file.href)) as Record<string, () => Promise<unknown>>;
  const run = mod[`run${name[0]!.toUpperCase()}${name.slice(1)}Bench`];
  if (!run) throw new Error(`bench/${name}/run-${name}-bench.ts exports no run${name[0]!.toUpperCase()}${name.slice(1)}Bench()`);
  return run();
}

async function part<T>(name: string, fn: () => Promise<T>): Promise<T | { error: string }> {
  progress(`--- ${name}`);
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors[name] = message;
    console.error(`[bench] ${name} failed: ${message}`);
    return { error: message };
  }
}

// Ctrl-C or the launcher's SIGTERM: stop the auth child, drop databases and exchanges, then leave.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void runInterruptCleanups().finally(() => process.exit(130));
  });
}


// The service's own hashing parameters and cap, read from its code and config (env can override the cap).
const argonParams = { memoryCost: ARGON2_OPTIONS.memoryCost, timeCost: ARGON2_OPTIONS.timeCost, parallelism: ARGON2_OPTIONS.parallelism };
const hashConcurrency = loadAuthConfig({ JWT_PRIVATE_KEY_FILE: 'unused', ARGON2_MAX_CONCURRENCY: process.env.ARGON2_MAX_CONCURRENCY }).ARGON2_MAX_CONCURRENCY;

const startedAt = new Date();
// Other work on a shared machine slows every number: the load average at the start says how quiet it was.
const loadAtStart = round(loadavg()[0] ?? 0, 2);
progress(`machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadAtStart}`);

if (wanted('core')) {
  const jwtVerify = await part('jwt_verify', () => measureJwtVerify());
  const rawPublish = await part('amqp_raw_publish', () => measureRawPublish(infra.amqpUrl));
  const outboxRelay = await part('outbox_relay', () => measureOutboxRelay());

  // The raw hash rate right before the login burst: the machine's speed drifts, and the two are compared.
  const argon2 = await part('argon2', () => measureArgon2(argonParams, hashConcurrency));
  const auth = await part('auth_http', async () => {
    const service = await startAuthProcess();
    try {
      return await measureAuthThroughput(service.baseUrl, service.pid, AUTH_LOAD);
    } finally {
      await service.stop();
    }
  });

  const telemetry = await part('telemetry_overhead', () => runTelemetryOverhead());

  const ratio = (a?: number, b?: number) => (a !== undefined && b ? round(a / b, 3) : null);

  const loginRatio = ratio(pickNumber(auth, 'login.per_s'), pickNumber(argon2, 'service_concurrency.hashes_per_s'));
  // The same question in CPU time, which machine drift hardly moves: how much of the auth process's
  // CPU per login is the hash itself.
  const hashShare = ratio(pickNumber(argon2, 'service_concurrency.cpu_ms_per_hash'), pickNumber(auth, 'cpu_per_login.service_total_ms'));
  const relayRatio = ratio(pickNumber(outboxRelay, 'per_s'), pickNumber(rawPublish, 'per_s'));

  const results = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    git_commit: gitCommit(),
    machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? null, memory_gib: round(totalmem() / 2 ** 30, 1), node: process.version, platform: process.platform, load_avg_1m_at_start: loadAtStart },
    targets: {
      login_vs_raw_hash: { ratio: loginRatio, target: 0.9, met: loginRatio === null ? null : loginRatio >= 0.9 },
      hash_share_of_service_cpu_per_login: hashShare,
      relay_vs_raw_publish: { ratio: relayRatio, target: 0.4, met: relayRatio === null ? null : relayRatio >= 0.4 },
      health_p99_during_login_ms: pickNumber(auth, 'health_during_logins.p99_ms') ?? null,
    },
    argon2,
    auth_http: auth,
    jwt_verify: jwtVerify,
    amqp: { raw_publish: rawPublish, outbox_relay: outboxRelay },
    telemetry_overhead: telemetry,
    errors,
  };
  const files = await writeResults(results);
  progress(`results: ${files.join(', ')}`);
}

// The gateway (issue 4) and each service write their own bench/results/<part>-latest.{json,md}.
if (wanted('gateway')) await part('gateway_proxy', () => runGatewayBenchPart());
for (const name of ['user', 'file', 'sync', 'notification'] as const) {
  if (wanted(name)) await part(`${name}_service`, () => serviceBench(name));
}
// The sync service's change feed is measured apart from its imports (sync-change-feed-latest.{json,md}).
if (wanted('sync')) {
  await part('sync_change_feed', async () => (await import('./sync/change-feed-bench.ts')).runChangeFeedBench());
}

closeHttp();
if (Object.keys(errors).length) {
  console.error(`[bench] failed parts: ${Object.keys(errors).join(', ')}`);
  process.exitCode = 1;
}
