// The gateway benchmark (issue 4, `pnpm bench`): in one run on loopback, the upstream directly, a
// plain node:http keep-alive proxy, nginx proxy_pass with upstream keep-alive, and the gateway with
// (a) no plugins, (b) jwt, (c) jwt + rate-limiting (redis) + correlation-id, all three with
// OTEL_SDK_DISABLED=true, and (d) = (c) with tracing on. Then RSS of (c) over a long run, and, when a
// target is missed, CPU profiles of the gateway in (a) and of the plain proxy (and of (c)/(d)). Writes bench/results/gateway-latest.{json,md}.
//
// Run alone: `node bench/gateway/run-gateway-bench.ts` (BENCH_GATEWAY_QUICK=1 for a short smoke
// run; see settings.ts); bench/run.ts calls runGatewayBench() as one of its parts.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onInterrupt, runInterruptCleanups } from '../lib/cleanup.ts';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { round } from '../lib/stats.ts';
import { GATEWAY_PATH, kongDocument, makeCredentials, type BenchCredentials, type ScenarioPlugins } from './bench-kong-config.ts';
import { spawnChild, waitForHttp, type Child } from './child-process.ts';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.ts';
import { writeGatewayResults, type GatewayBenchResults, type ScenarioId, type ScenarioSummary, type Target } from './gateway-report.ts';
import { runLoad, type LoadResult, type LoadTarget } from './load.ts';
import { memorySoak } from './memory-soak.ts';
import { profileRuns, type ProfiledId } from './profile-run.ts';
import { ensureNginx, nginxVersion, startNginx } from './nginx.ts';
import { gatewayBenchSettings, type GatewayBenchSettings } from './settings.ts';
import { gitCommit, machineInfo, uncommittedIn } from '../lib/run-info.ts';

const root = fileURLToPath(rootDir);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const UPSTREAM_PATH = '/api/v1/bench/items';
const READY_MS = 10_000;

type Scenario = { id: ScenarioId; label: string; target: LoadTarget };

const GATEWAY_SCENARIOS: { id: ScenarioId; label: string; plugins: ScenarioPlugins; tracing: boolean }[] = [
  { id: 'gateway_a', label: 'gateway (a) no plugins', plugins: 'none', tracing: false },
  { id: 'gateway_b', label: 'gateway (b) jwt RS256', plugins: 'jwt', tracing: false },
  { id: 'gateway_c', label: 'gateway (c) jwt + rate-limiting (redis) + correlation-id', plugins: 'jwt+rate-limiting+correlation-id', tracing: false },
  { id: 'gateway_d', label: 'gateway (d) = (c) with tracing on', plugins: 'jwt+rate-limiting+correlation-id', tracing: true },
];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON: kept as text */ }
  return { status: res.status, headers: res.headers, body };
}

/** Proves each gateway scenario does what it is named for before it is measured. */
async function checkGateway(id: ScenarioId, gw: GatewayProcess, credentials: BenchCredentials): Promise<void> {
  const url = `${gw.url}${GATEWAY_PATH}/echo-headers`;
  const auth = { authorization: `Bearer ${credentials.token}` };
  const fail = (what: string, got: unknown): never => { throw new Error(`${id} check: ${what}; got ${JSON.stringify(got).slice(0, 300)}`); };
  if (id === 'gateway_a') {
    const res = await getJson(url);
    if (res.status !== 200) fail('expected 200 through the gateway', res);
    return;
  }
  const refused = await getJson(url);
  if (refused.status !== 401) fail('expected 401 without a token (jwt active)', refused);
  const res = await getJson(url, auth);
  if (res.status !== 200) fail('expected 200 with the token', res);
  const upstreamHeaders = (res.body as { headers?: Record<string, string> }).headers ?? {};
  if (upstreamHeaders['x-consumer-username'] !== 'bench-client') fail('expected x-consumer-username at the upstream', upstreamHeaders);
  if (id === 'gateway_b') return;
  if (!res.headers.get('x-ratelimit-limit-minute')) fail('expected X-RateLimit-Limit-Minute (rate-limiting active)', Object.fromEntries(res.headers));
  if (!upstreamHeaders['kong-request-id']) fail('expected Kong-Request-ID at the upstream (correlation-id active)', upstreamHeaders);
  if (id === 'gateway_d' && !upstreamHeaders.traceparent) fail('expected traceparent at the upstream (tracing on)', upstreamHeaders);
  if (id === 'gateway_c' && upstreamHeaders.traceparent) fail('expected no traceparent with OTEL_SDK_DISABLED=true', upstreamHeaders);
}

function summarize(label: string, rounds: LoadResult[]): ScenarioSummary {
  const best = rounds.reduce((a, b) => (b.per_s > a.per_s ? b : a));
  const cpu = rounds.map((r) => r.cpu_us_per_request).filter((v): v is number => v !== null);
  const upstreamCpu = rounds.map((r) => r.upstream_cpu_us_per_request).filter((v): v is number => v !== null);
  return {
    label,
    per_s: best.per_s,
    p50_ms: best.p50_ms,
    p99_ms: best.p99_ms,
    cpu_us_per_request: cpu.length ? Math.min(...cpu) : null,
    upstream_cpu_us_per_request: upstreamCpu.length ? Math.min(...upstreamCpu) : null,
    other_cpu_share: best.other_cpu_share,
    non_2xx: rounds.reduce((n, r) => n + r.non_2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors + r.timeouts, 0),
    rounds,
  };
}

function target(what: string, num: ScenarioSummary | undefined, den: ScenarioSummary | undefined, min: number): Target {
  const ratio = num && den && den.per_s > 0 ? round(num.per_s / den.per_s, 3) : null;
  // The same ratio as if both were CPU-bound on one core: the denominator's CPU per request over the numerator's.
  const byCpu = num?.cpu_us_per_request && den?.cpu_us_per_request ? round(den.cpu_us_per_request / num.cpu_us_per_request, 3) : null;
  return { what, ratio, by_cpu: byCpu, target: min, met: ratio === null ? null : ratio >= min };
}


export type GatewayBenchSummary = { files: string[]; targets: Record<string, Target>; memory_flat: boolean | null; errors: Record<string, string> };

export async function runGatewayBench(settings: GatewayBenchSettings = gatewayBenchSettings()): Promise<GatewayBenchSummary> {
  const startedAt = new Date();
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const runDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const removeRunDir = async () => rmSync(runDir, { recursive: true, force: true });
  const runDirDone = onInterrupt(removeRunDir);
  const errors: Record<string, string> = {};
  const scenarios: GatewayBenchResults['scenarios'] = {};
  const children: Child[] = [];
  const gateways = new Map<ScenarioId, GatewayProcess>();
  const measured: Scenario[] = [];
  const load = { connections: settings.connections, warmupS: settings.warmupS, durationS: settings.durationS };
  let memory: GatewayBenchResults['memory_soak'] = null;
  let profile: GatewayBenchResults['profile'];
  let tracing: Record<string, unknown> = {};
  let nginxInfo: string | null = null;
  progress(`gateway: ${settings.rounds} round(s) × ${settings.durationS} s per scenario (+${settings.warmupS} s warm-up), ${settings.connections} connections; temp dir ${runDir}`);

  const startNode = async (name: string, file: string, args: number[]) => {
    const child = spawnChild({ name, command: process.execPath, args: [here(file), ...args.map(String)], cwd: root, env: process.env, logFile: join(runDir, `${name}.log`) });
    children.push(child);
    return child;
  };

  try {
    const upstreamPort = await freePort();
    const upstream = await startNode('upstream', 'upstream-server.ts', [upstreamPort]);
    await waitForHttp(upstream, `http://127.0.0.1:${upstreamPort}/api/v1/bench/ready`, READY_MS, 200);
    measured.push({ id: 'direct', label: 'upstream directly (node:http)', target: { url: `http://127.0.0.1:${upstreamPort}${UPSTREAM_PATH}`, processPid: upstream.pid } });

    const proxyPort = await freePort();
    const proxy = await startNode('node-proxy', 'plain-proxy.ts', [proxyPort, upstreamPort]);
    await waitForHttp(proxy, `http://127.0.0.1:${proxyPort}/api/v1/bench/ready`, READY_MS, 200);
    measured.push({ id: 'node_proxy', label: 'plain node:http keep-alive proxy', target: { url: `http://127.0.0.1:${proxyPort}${UPSTREAM_PATH}`, processPid: proxy.pid, upstreamPid: upstream.pid } });

    const nginx = ensureNginx(settings.installNginx);
    if ('skipped' in nginx) {
      scenarios.nginx = { skipped: nginx.skipped };
      progress(`gateway: nginx skipped: ${nginx.skipped}`);
    } else {
      try {
        nginxInfo = nginxVersion(nginx.binary);
        const nginxPort = await freePort();
        const child = await startNginx(nginx.binary, runDir, nginxPort, upstreamPort);
        children.push(child);
        measured.push({ id: 'nginx', label: 'nginx proxy_pass, upstream keep-alive (1 worker)', target: { url: `http://127.0.0.1:${nginxPort}${UPSTREAM_PATH}`, processPid: child.pid, upstreamPid: upstream.pid } });
      } catch (err) {
        scenarios.nginx = { error: message(err) };
        errors.nginx = message(err);
      }
    }

    const sinkPort = await freePort();
    const sink = await startNode('otlp-sink', 'otlp-sink.ts', [sinkPort]);
    await waitForHttp(sink, `http://127.0.0.1:${sinkPort}/count`, READY_MS, 200);

    const credentials = makeCredentials();
    for (const g of GATEWAY_SCENARIOS) {
      try {
        const gw = await startGatewayProcess({
          label: g.id,
          doc: kongDocument(g.plugins, upstreamPort, credentials, infra.redisUrl),
          runDir,
          redisUrl: infra.redisUrl,
          ...(g.tracing && { otlpEndpoint: `http://127.0.0.1:${sinkPort}` }),
        });
        children.push(gw.child);
        gateways.set(g.id, gw);
        await checkGateway(g.id, gw, credentials);
        const headers = g.plugins === 'none' ? undefined : { authorization: `Bearer ${credentials.token}` };
        measured.push({ id: g.id, label: g.label, target: { url: `${gw.url}${GATEWAY_PATH}/items`, processPid: gw.child.pid, upstreamPid: upstream.pid, ...(headers && { headers }) } });
      } catch (err) {
        scenarios[g.id] = { error: message(err) };
        errors[g.id] = message(err);
        progress(`gateway: ${g.id} not measured: ${message(err).split('\n')[0]}`);
      }
    }

    // Interleaved rounds, every other one in reverse order, so a slow spell on the machine does not fall on one scenario.
    const rounds = new Map<ScenarioId, LoadResult[]>();
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? measured : [...measured].reverse();
      for (const sc of order) {
        try {
          const result = await runLoad(sc.target, load);
          rounds.set(sc.id, [...(rounds.get(sc.id) ?? []), result]);
          progress(`gateway: round ${r + 1} ${sc.label}: ${result.per_s} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, ${result.cpu_us_per_request} µs CPU/request, others ${Math.round(result.other_cpu_share * 100)} % of the machine` +
            (result.non_2xx + result.errors ? ` (${result.non_2xx} non-2xx, ${result.errors} errors)` : ''));
        } catch (err) {
          errors[`${sc.id}_round_${r + 1}`] = message(err);
        }
      }
    }
    for (const sc of measured) {
      const list = rounds.get(sc.id);
      if (list?.length) scenarios[sc.id] = summarize(sc.label, list);
    }
    const count = await getJson(`http://127.0.0.1:${sinkPort}/count`).catch(() => null);
    const sunk = (count?.body ?? {}) as { exports?: number; bytes?: number };
    tracing = {
      mode: 'exporting',
      note: 'OTEL_SDK_DISABLED unset: the platform\'s NodeSDK (shared/src/telemetry: http, express, ioredis … instrumentations) creates a span per request ' +
        '(plus the upstream and Redis client spans) and exports them over OTLP/HTTP (protobuf, batch span processor) to a local sink process that accepts and counts them: ' +
        `${sunk.exports ?? 'n/a'} export requests, ${sunk.bytes === undefined ? 'n/a' : round(sunk.bytes / 2 ** 20, 1)} MiB over the run. Scenarios (a)-(c) run with OTEL_SDK_DISABLED=true.`,
      otlp_exports: sunk.exports ?? null,
      otlp_bytes: sunk.bytes ?? null,
    };

    const c = gateways.get('gateway_c');
    const cTarget = measured.find((sc) => sc.id === 'gateway_c')?.target;
    if (c && cTarget) {
      progress(`gateway: RSS of (c) over ${settings.soakS} s of load`);
      try {
        memory = await memorySoak(cTarget, settings);
        progress(`gateway: RSS start ${memory.rss_mib.start} MiB, end ${memory.rss_mib.end} MiB, max ${memory.rss_mib.max} MiB`);
      } catch (err) {
        memory = { error: message(err) };
        errors.memory_soak = message(err);
      }
    }
  } catch (err) {
    errors.setup = message(err);
    progress(`gateway: setup failed: ${message(err).split('\n')[0]}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
  }

  const sum = (id: ScenarioId) => {
    const s = scenarios[id];
    return s && 'per_s' in s ? s : undefined;
  };
  const targets = {
    a_vs_node_proxy: target('(a) no plugins / plain node:http proxy', sum('gateway_a'), sum('node_proxy'), 0.6),
    c_vs_a: target('(c) jwt + rate-limiting + correlation-id / (a)', sum('gateway_c'), sum('gateway_a'), 0.75),
    d_vs_c: target('(d) tracing on / (c)', sum('gateway_d'), sum('gateway_c'), 0.8),
  };
  const informational = {
    a_vs_nginx: round((sum('gateway_a')?.per_s ?? NaN) / (sum('nginx')?.per_s ?? NaN), 3),
    b_vs_a: round((sum('gateway_b')?.per_s ?? NaN) / (sum('gateway_a')?.per_s ?? NaN), 3),
    node_proxy_vs_direct: round((sum('node_proxy')?.per_s ?? NaN) / (sum('direct')?.per_s ?? NaN), 3),
  };

  // Profiles for tuning: (a) against the plain proxy whenever a target is missed (the brief of
  // issue 4), plus (c) or (d) when their own ratio is the one missed.
  const missed = Object.values(targets).some((t) => t.met === false) || (memory !== null && 'flat' in memory && !memory.flat);
  if (settings.profile === 'always' || (settings.profile === 'auto' && missed)) {
    const ids: ProfiledId[] = ['gateway_a', 'node_proxy'];
    if (settings.profile === 'always' || targets.c_vs_a.met === false || targets.d_vs_c.met === false) ids.push('gateway_c');
    if (settings.profile === 'always' || targets.d_vs_c.met === false) ids.push('gateway_d');
    profile = await profileRuns(ids, load).catch((err: unknown) => {
      errors.profile = message(err);
      return { error: message(err) };
    });
  } else profile = { skipped: settings.profile === 'never' ? 'BENCH_GATEWAY_PROFILE=never' : 'every target met' };
  await removeRunDir();
  runDirDone();

  const results: GatewayBenchResults = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    git_commit: gitCommit(),
    uncommitted_gateway_changes: uncommittedIn(['gateway/src', 'shared/src']),
    machine: machineInfo(loadAtStart),
    settings: { quick: settings.quick, duration_s: settings.durationS, warmup_s: settings.warmupS, connections: settings.connections, rounds: settings.rounds, soak_s: settings.soakS, rss_every_s: settings.rssEveryS },
    tools: { autocannon: autocannonVersion(), nginx: nginxInfo, gateway_env: 'NODE_ENV=production LOG_LEVEL=info, Redis ' + infra.redisUrl },
    scenarios,
    targets: { ...targets },
    tracing: { ...tracing, informational_ratios: informational },
    memory_soak: memory,
    profile,
    errors,
  };
  const files = await writeGatewayResults(results);
  progress(`gateway: results in ${files.join(', ')}`);
  return { files, targets, memory_flat: memory && 'flat' in memory ? memory.flat : null, errors };
}

/** For bench/run.ts: the summary, or an error naming the parts that failed (the files are written either way). */
export async function runGatewayBenchPart(): Promise<GatewayBenchSummary> {
  const summary = await runGatewayBench();
  const failed = Object.entries(summary.errors);
  if (failed.length) {
    throw new Error(`${failed.map(([name, msg]) => `${name}: ${msg.split('\n')[0]}`).join('; ')} (see ${summary.files.join(', ')})`);
  }
  return summary;
}

function autocannonVersion(): string | null {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

if (import.meta.main) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void runInterruptCleanups().finally(() => process.exit(130));
    });
  }
  const summary = await runGatewayBench();
  for (const t of Object.values(summary.targets)) progress(`${t.what}: ${t.ratio} (by CPU ${t.by_cpu}), target ≥ ${t.target}: ${t.met ? 'met' : 'NOT met'}`);
  progress(`memory flat: ${summary.memory_flat}`);
  if (Object.keys(summary.errors).length) {
    console.error(`[bench] gateway: failed parts: ${Object.keys(summary.errors).join(', ')}`);
    process.exitCode = 1;
  }
}
