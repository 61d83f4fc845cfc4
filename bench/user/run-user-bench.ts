// The user service benchmark (issue 5, `pnpm bench`): in one run, two databases side by side, one
// with 1 000 000 users and one with 1 000, each migrated with the service's migrations and seeded
// (seed-users.ts), each served by a real user service process (its `start` command) that verifies
// tokens against a JWKS served here (fake-auth.ts). Measured with autocannon on loopback, p50/p99
// and req/s: the directory list, the directory with a filter and sort, the directory search, the
// admin list with filters and a sort, deep pages (offset and keyset cursor), and single reads
// GET /users/{id} from the Redis cache (one id again and again) and past it (a new id each time).
// Targets, as ratios: list and filter p50 at 1M ≤ 2× the p50 at 1k; a cached single read's p50 ≤
// 0.5× an uncached one's. Writes bench/results/user-latest.{json,md}.
//
// Run alone: `node bench/user/run-user-bench.ts` (BENCH_USER_QUICK=1 for a short smoke run; see
// settings.ts); bench/run.ts calls runUserBench().
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase, type BenchDatabase } from '../lib/bench-database.ts';
import { onInterrupt, runInterruptCleanups } from '../lib/cleanup.ts';
import { infra } from '../lib/deps.ts';
import { progress } from '../lib/log.ts';
import { round } from '../lib/stats.ts';
import { sampleActivity, type ActivitySample } from './activity-sampler.ts';
import { benchVhost, type BenchVhost } from '../lib/amqp-vhost.ts';
import { startFakeAuth, type FakeAuth } from './fake-auth.ts';
import { runLoad, runSequential, type LoadResult } from './load.ts';
import { sampleUsers, seedUserDatabase, type Samples, type SeededDatabase } from './seed-users.ts';
import { userBenchSettings, type UserBenchSettings } from './settings.ts';
import { startUserProcess, type UserProcess } from './user-process.ts';
import { writeUserResults, type Target, type UserBenchResults } from './user-report.ts';
import { gitCommit, machineInfo, uncommittedIn } from '../lib/run-info.ts';

const API = '/api/v1';
const LIMIT = 20;
const SEQUENTIAL_COUNT = 5;
const SEQUENTIAL_MAX_MS = 30_000;

type Size = 'small' | 'big';
type Side = {
  size: Size; rows: number; db: BenchDatabase; samples: Samples; service: UserProcess; tokens: { user: string; admin: string };
  /** Cold ids handed out so far: each is read once in the whole run, so it is never in the cache. */
  coldUsed: number;
};

/** What a scenario asks on one side; a function path gives each request its own URL. */
type Scenario = {
  id: string;
  label: string;
  sizes: Size[];
  caller: 'user' | 'admin';
  path(side: Side): string | (() => string);
  /** A list (data array, pagination meta) or a single user (data.id). */
  kind: 'list' | 'single';
  /** Too slow for a load: this many requests one at a time instead. */
  sequential?: number;
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function scenarios(settings: UserBenchSettings, surname: string, cursors: Map<Size, string>): Scenario[] {
  const both: Size[] = ['small', 'big'];
  const q = encodeURIComponent(surname.toLowerCase());
  return [
    { id: 'directory_list', label: `GET /users?limit=${LIMIT}`, sizes: both, caller: 'user', kind: 'list', path: () => `${API}/users?limit=${LIMIT}` },
    {
      id: 'directory_filter_sort', label: `GET /users?limit=${LIMIT}&role=user&sort=display_name`, sizes: both, caller: 'user', kind: 'list',
      path: () => `${API}/users?limit=${LIMIT}&role=user&sort=display_name`,
    },
    {
      id: 'directory_search', label: `GET /users?limit=${LIMIT}&q=<a surname>`, sizes: both, caller: 'user', kind: 'list',
      path: () => `${API}/users?limit=${LIMIT}&q=${q}`,
    },
    {
      id: 'admin_filter_sort', label: `GET /admin/users?limit=${LIMIT}&status=banned&role=user&sort=email`, sizes: both, caller: 'admin', kind: 'list',
      path: () => `${API}/admin/users?limit=${LIMIT}&status=banned&role=user&sort=email`,
    },
    {
      id: 'deep_page_offset', label: `GET /users?limit=${LIMIT}&offset=<${settings.deepPageShare * 100} % of the rows>, one request at a time`, sizes: both, caller: 'user', kind: 'list',
      sequential: SEQUENTIAL_COUNT,
      path: (side) => `${API}/users?limit=${LIMIT}&offset=${Math.floor(side.rows * settings.deepPageShare)}`,
    },
    {
      id: 'deep_page_cursor', label: `GET /users?limit=${LIMIT}&cursor=<next cursor at ${settings.deepPageShare * 100} % of the rows>`, sizes: both, caller: 'user', kind: 'list',
      path: (side) => `${API}/users?limit=${LIMIT}&cursor=${encodeURIComponent(cursors.get(side.size) ?? 'missing')}`,
    },
    { id: 'single_cache_hit', label: 'GET /users/{id}, the same id again and again (cache hit)', sizes: ['big'], caller: 'user', kind: 'single', path: (side) => `${API}/users/${side.samples.hot}` },
    {
      id: 'single_cache_miss', label: 'GET /users/{id}, a different id each time (cache miss)', sizes: ['big'], caller: 'user', kind: 'single',
      path: (side) => () => `${API}/users/${side.samples.cold[side.coldUsed++ % side.samples.cold.length]}`,
    },
  ];
}

async function getJson(url: string, token: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** One request of the scenario, checked: what it returns is what the scenario is named for. */
async function probe(sc: Scenario, side: Side): Promise<Record<string, unknown>> {
  const path = sc.path(side);
  const url = `${side.service.url}${typeof path === 'string' ? path : path()}`;
  const t0 = performance.now();
  const res = await getJson(url, side.tokens[sc.caller]);
  const ms = round(performance.now() - t0);
  if (res.status !== 200) throw new Error(`${sc.id} (${side.size}): ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  if (sc.kind === 'single') {
    if (typeof res.body?.data?.id !== 'string') throw new Error(`${sc.id} (${side.size}): no data.id in ${JSON.stringify(res.body).slice(0, 300)}`);
    return { first_ms: ms };
  }
  const items = res.body?.data;
  if (!Array.isArray(items) || items.length > LIMIT) throw new Error(`${sc.id} (${side.size}): expected a list of ≤ ${LIMIT}, got ${JSON.stringify(res.body).slice(0, 300)}`);
  const pagination = res.body?.meta?.pagination ?? {};
  return { first_ms: ms, items: items.length, total: pagination.total ?? null, total_estimated: pagination.total_estimated ?? null };
}

/** The keyset cursor of the page that starts at `offset` (read once with offset; then measured). */
async function cursorAt(side: Side, offset: number): Promise<string | null> {
  const res = await getJson(`${side.service.url}${API}/users?limit=${LIMIT}&offset=${offset}`, side.tokens.user);
  const body = res.body ?? {};
  const cursor = body.meta?.pagination?.next_cursor ?? body.meta?.next_cursor ?? body.meta?.cursor?.next ?? null;
  return typeof cursor === 'string' ? cursor : null;
}

type Round = LoadResult & { round: number };
type Measured = { median: { p50_ms: number; p99_ms: number; per_s: number }; rounds: Round[]; activity?: ActivitySample; probe: Record<string, unknown> };

const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};

function summarizeRounds(rounds: Round[]): Measured['median'] {
  return {
    p50_ms: round(median(rounds.map((r) => r.p50_ms))),
    p99_ms: round(median(rounds.map((r) => r.p99_ms))),
    per_s: round(median(rounds.map((r) => r.per_s)), 0),
  };
}

/**
 * num/den as the median over rounds of the two p50s measured back to back in the same round: on a
 * shared machine a busy spell slows both sides of a pair alike, so the pairs' ratio is steadier
 * than the ratio of p50s taken minutes apart.
 */
function ratioTarget(what: string, num: Measured | undefined, den: Measured | undefined, max: number): Target {
  const pairs = (num?.rounds ?? []).flatMap((n) => {
    const d = den?.rounds.find((r) => r.round === n.round);
    return d && d.p50_ms > 0 ? [round(n.p50_ms / d.p50_ms, 2)] : [];
  });
  const ratio = pairs.length ? round(median(pairs), 2) : null;
  return {
    what,
    numerator_p50_ms: num?.median.p50_ms ?? null,
    denominator_p50_ms: den?.median.p50_ms ?? null,
    ratio,
    per_round: pairs,
    target: max,
    met: ratio === null ? null : ratio <= max,
  };
}


export type UserBenchSummary = { files: string[]; targets: Record<string, Target>; errors: Record<string, string> };

export async function runUserBench(settings: UserBenchSettings = userBenchSettings()): Promise<UserBenchSummary> {
  const startedAt = new Date();
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const runDir = mkdtempSync(join(tmpdir(), 'user-bench-'));
  const removeRunDir = async () => rmSync(runDir, { recursive: true, force: true });
  const runDirDone = onInterrupt(removeRunDir);
  const errors: Record<string, string> = {};
  const seeded: Partial<Record<Size, SeededDatabase>> = {};
  const measured = new Map<string, Measured>();
  const unmeasured: Record<string, string> = {};
  const sides: Side[] = [];
  const dbs: BenchDatabase[] = [];
  let auth: FakeAuth | undefined;
  let amqp: BenchVhost | undefined;
  let surname = '';
  let list: Scenario[] = [];
  progress(`user: ${settings.bigRows.toLocaleString('en-US')} vs ${settings.smallRows.toLocaleString('en-US')} rows; ${settings.rounds} round(s) × ${settings.durationS} s ` +
    `(+${settings.warmupS} s warm-up) per scenario and size, ${settings.connections} connections; logs in ${runDir}`);

  try {
    auth = await startFakeAuth();
    amqp = await benchVhost(infra.amqpUrl, 'user');
    progress(`user: events on ${amqp.isolation}`);
    // Enough never-read ids for every cache-miss request of every round at a generous rate.
    const coldCount = Math.min(Math.floor(settings.bigRows * 0.8), settings.rounds * (settings.warmupS + settings.durationS) * 6_000);
    for (const [size, rows] of [['small', settings.smallRows], ['big', settings.bigRows]] as const) {
      const db = await createBenchDatabase(infra.databaseUrl, size === 'big' ? 'user_big' : 'user_small');
      dbs.push(db);
      // The service migrates its empty database itself (the schema is exactly the one it runs with,
      // even if migrations change in the working tree meanwhile); the rows go in under it.
      const service = await startUserProcess({ label: size, databaseUrl: db.url, amqpUrl: amqp.url, exchange: amqp.exchange, authUrl: auth.url, jwksUrl: auth.jwksUrl, runDir });
      let samples: Samples;
      try {
        seeded[size] = await seedUserDatabase(db.url, rows, `${rows.toLocaleString('en-US')} users`, { migrate: false });
        samples = await sampleUsers(db.url, size === 'big' ? coldCount : 100);
      } catch (err) {
        await service.child.stop();
        throw err;
      }
      progress(`user: service (${size}) ready at ${service.url}`);
      const tokens = { user: auth.mint({ sub: samples.caller, role: 'user' }), admin: auth.mint({ sub: samples.admin, role: 'admin' }) };
      sides.push({ size, rows, db, samples, service, tokens, coldUsed: 0 });
    }
    // One search term for both sizes: a surname of the small database, so it matches on both.
    surname = sides[0]!.samples.surname;

    const cursors = new Map<Size, string>();
    for (const side of sides) {
      const cursor = await cursorAt(side, Math.floor(side.rows * settings.deepPageShare)).catch(() => null);
      if (cursor) cursors.set(side.size, cursor);
    }
    list = scenarios(settings, surname, cursors);

    // Each scenario is checked on each side before it is measured; a failing one is reported, not measured.
    const runnable: { sc: Scenario; side: Side; probe: Record<string, unknown> }[] = [];
    for (const sc of list) {
      for (const side of sides.filter((s) => sc.sizes.includes(s.size))) {
        const key = `${sc.id}.${side.size}`;
        if (sc.id === 'deep_page_cursor' && !cursors.has(side.size)) {
          unmeasured[key] = 'the list answers no next cursor (meta.pagination.next_cursor), so there is no keyset page to measure';
          continue;
        }
        try {
          runnable.push({ sc, side, probe: await probe(sc, side) });
        } catch (err) {
          unmeasured[key] = message(err);
          progress(`user: ${key} not measured: ${message(err).split('\n')[0]}`);
        }
      }
    }

    // Interleaved rounds, every other one in reverse order, so a slow spell of the machine does not fall on one side.
    const rounds = new Map<string, Round[]>();
    const activity = new Map<string, ActivitySample & { db_ms_per_request: number }>();
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? runnable : [...runnable].reverse();
      for (const { sc, side } of order) {
        // One-at-a-time scenarios are slow at 1M rows (seconds a request): the first round only.
        if (sc.sequential && r > 0) continue;
        const key = `${sc.id}.${side.size}`;
        // Round 1 also samples the database: where its time goes, and its time per request.
        const sampler = r === 0 ? sampleActivity(side.db.url, side.db.name) : undefined;
        try {
          const target = { origin: side.service.url, headers: { authorization: `Bearer ${side.tokens[sc.caller]}` }, path: sc.path(side), pid: side.service.child.pid };
          const result = await (sc.sequential
            ? runSequential(target, sc.sequential, SEQUENTIAL_MAX_MS)
            : runLoad({ ...target, connections: settings.connections, warmupS: settings.warmupS, durationS: settings.durationS })
          ).finally(async () => {
            const act = await sampler?.stop().catch(() => undefined);
            if (act) activity.set(key, { ...act, db_ms_per_request: 0 });
          });
          const act = activity.get(key);
          if (act && sampler) act.db_ms_per_request = round(act.backend_ms / Math.max(1, result.requests + result.warmup_requests), 2);
          if (result.requests === 0) throw new Error(`no request finished within the run (${result.seconds} s)`);
          const bad = Object.entries(result.statuses).filter(([status]) => !status.startsWith('2'));
          if (bad.length || result.errors) throw new Error(`answers other than 2xx: ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
          rounds.set(key, [...(rounds.get(key) ?? []), { ...result, round: r + 1 }]);
          progress(`user: round ${r + 1} ${sc.id} (${side.rows.toLocaleString('en-US')} rows): ${result.per_s} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, ${result.service_cpu_us_per_request} µs service CPU/request`);
        } catch (err) {
          errors[`${key}_round_${r + 1}`] = message(err);
          progress(`user: round ${r + 1} ${key} failed: ${message(err).split('\n')[0]}`);
        }
      }
    }
    for (const { sc, side, probe: p } of runnable) {
      const key = `${sc.id}.${side.size}`;
      const list = rounds.get(key);
      const act = activity.get(key);
      if (list?.length) measured.set(key, { median: summarizeRounds(list), rounds: list, probe: p, ...(act && { activity: act }) });
    }
    const big = sides.find((s) => s.size === 'big');
    if (big && big.coldUsed > big.samples.cold.length) {
      errors.single_cache_miss = `${big.coldUsed} cold reads but only ${big.samples.cold.length} distinct ids: some "misses" were hits`;
    }
    const unexpected = auth.unexpected();
    if (unexpected.length) errors.unexpected_auth_calls = unexpected.join(', ');
  } catch (err) {
    errors.setup = message(err);
    progress(`user: setup failed: ${message(err).split('\n')[0]}`);
  } finally {
    for (const side of sides) {
      if (!side.service.child.running()) errors[`service_${side.size}_exited`] = side.service.child.logTail().slice(-1_000);
      await side.service.child.stop();
    }
    for (const db of dbs) await db.drop().catch((err: unknown) => { errors.drop = message(err); });
    await amqp?.drop();
    await auth?.stop();
  }

  const m = (id: string, size: Size) => measured.get(`${id}.${size}`);
  const scale = (id: string, what: string) => ratioTarget(`${what}: p50 at ${settings.bigRows.toLocaleString('en-US')} rows / p50 at ${settings.smallRows.toLocaleString('en-US')}`, m(id, 'big'), m(id, 'small'), 2);
  const targets: Record<string, Target> = {
    directory_list: scale('directory_list', 'directory list'),
    directory_filter_sort: scale('directory_filter_sort', 'directory filter + sort'),
    admin_filter_sort: scale('admin_filter_sort', 'admin list filter + sort'),
    single_cache: ratioTarget('GET /users/{id}: p50 cache hit / p50 cache miss', m('single_cache_hit', 'big'), m('single_cache_miss', 'big'), 0.5),
  };
  // The search term matches about one user in a thousand: ~1 000 rows at 1M against ~1 at 1k, so
  // its cost grows with the result (trigram bitmap, heap rechecks, top-N sort), not only the table.
  const informational = {
    directory_search: scale('directory_search', 'directory search (q, ~0.1 % of the rows match)'),
    deep_page_offset: scale('deep_page_offset', 'deep page by offset'),
    deep_page_cursor: scale('deep_page_cursor', 'deep page by keyset cursor'),
  };
  await removeRunDir();
  runDirDone();

  const results: UserBenchResults = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    git_commit: gitCommit(),
    uncommitted_changes: uncommittedIn(['services/user', 'shared/src']),
    machine: machineInfo(loadAtStart),
    settings: { ...settings },
    setup: {
      service_env: 'NODE_ENV=production LOG_LEVEL=warn OTEL_SDK_DISABLED=true; tokens minted by the benchmark (RS256, JWKS served by it); revocation checked in Redis on every request',
      events: amqp?.isolation ?? null,
      search_term: surname,
      cold_ids: { distinct: sides.find((s) => s.size === 'big')?.samples.cold.length ?? null, read: sides.find((s) => s.size === 'big')?.coldUsed ?? null },
      seeded,
    },
    scenarios: Object.fromEntries(list.map((sc) => [sc.id, {
      label: sc.label,
      ...Object.fromEntries(sc.sizes.map((size) => [size, measured.get(`${sc.id}.${size}`) ?? { not_measured: unmeasured[`${sc.id}.${size}`] ?? 'failed (see errors)' }])),
    }])),
    targets,
    informational,
    errors,
  };
  const files = await writeUserResults(results);
  progress(`user: results in ${files.join(', ')}`);
  return { files, targets, errors };
}

if (import.meta.main) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void runInterruptCleanups().finally(() => process.exit(130));
    });
  }
  const summary = await runUserBench();
  for (const t of Object.values(summary.targets)) progress(`${t.what}: ${t.ratio ?? 'n/a'} (target ≤ ${t.target}): ${t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met'}`);
  if (Object.keys(summary.errors).length) {
    console.error(`[bench] user: failed parts: ${Object.keys(summary.errors).join(', ')}`);
    process.exitCode = 1;
  }
}
