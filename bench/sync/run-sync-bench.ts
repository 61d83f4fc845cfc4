// The sync service benchmark (issue 8, `pnpm bench`): one run imports BENCH_SYNC_USERS people
// (default 100 000) from a rest-json source served here, end to end into the real user service
// (which creates each identity through the real auth service): auth, user and sync run as their
// `start` commands on free ports against one fresh database. Beside it, in the same run, the same
// rows are bulk-inserted straight into a copy of users.users (unnest, 10 000 rows a statement).
// Target: import rate ≥ 25 % of the bulk-insert rate. A second, unchanged run is timed too.
// Writes bench/results/sync-latest.{json,md}.
//
// Run alone: `node bench/sync/run-sync-bench.ts` (BENCH_SYNC_USERS=5000 for a short run);
// bench/run.ts calls runSyncBench().
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEV_ADMIN, DEV_SERVICE_SECRETS, devDefaults } from '../../infra/launcher/dev-env.ts';
import { DEV_KEYS_DIR, ensureDevKeys } from '../../infra/launcher/dev-keys.ts';
import { spawnChild, waitForHttp, type Child } from '../gateway/child-process.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { deleteExchange } from '../lib/bench-exchange.ts';
import { onInterrupt, runInterruptCleanups } from '../lib/cleanup.ts';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { round } from '../lib/stats.ts';
import { benchVhost } from '../lib/amqp-vhost.ts';
import { gitCommit } from '../lib/run-info.ts';

const root = fileURLToPath(rootDir);
const RESULTS_DIR = join(root, 'bench/results');
const TARGET_RATIO = 0.25;
const PAGE = 1_000;
// Records per batch-upsert call (BENCH_SYNC_BATCH to try another size); the sync service sends up to 2 at once.
const BATCH = Number(process.env.BENCH_SYNC_BATCH ?? 500);
const JOB_TIMEOUT_MS = 30 * 60_000;

type Person = { id: string; email: string; name: string; first: string; last: string };
const person = (i: number, label: string): Person => ({
  id: `${label}-${i}`, email: `${label}.${i}@bench.example.com`, name: `Bench Person ${i}`, first: 'Bench', last: `Person${i}`,
});

/** GET /people?page=&per_page= with an x-api-key, generating the records on the fly. */
async function startSource(total: number, label: string, key: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers['x-api-key'] !== key) { res.writeHead(401).end(); return; }
    const size = Number(url.searchParams.get('per_page') ?? 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const from = (page - 1) * size;
    const items: Person[] = [];
    for (let i = from; i < Math.min(total, from + size); i++) items.push(person(i, label));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A user service that takes every batch-upsert as `created` and stores nothing: what sync itself costs. */
async function startNullUserService(): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { users?: { external_id: string }[] };
      const results = (body.users ?? []).map((u, index) => ({ index, external_id: u.external_id, status: 'created', id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, status_code: 200, data: { results }, meta: {} }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function startService(name: 'auth' | 'user' | 'sync', env: Record<string, string>, runDir: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const base: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !/^(PORT|DATABASE_URL|AMQP_URL|AUTH_|SERVICE_CLIENT_|SYNC_)/.test(k)));
  const child = spawnChild({
    name,
    command: process.execPath,
    args: ['--import', '@platform/shared/telemetry/register', 'src/main.ts'],
    cwd: join(root, 'services', name),
    env: { ...base, NODE_ENV: 'production', LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true', OTEL_SERVICE_NAME: `${name}-bench`, PORT: String(port), ...env },
    logFile: join(runDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/api/v1/ready`, 90_000, 200);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, url };
}

async function json(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: { data: Record<string, unknown> } & Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
}

type JobResult = { status: string; counts: Record<string, number>; seconds: number; rows_per_s: number };

async function runJob(syncUrl: string, token: string, connectionId: string, rows: number): Promise<JobResult> {
  const started = performance.now();
  const run = await json('POST', `${syncUrl}/api/v1/admin/sync/connections/${connectionId}/run`, { mode: 'full' }, token);
  if (run.status !== 202) throw new Error(`run refused: ${JSON.stringify(run.body)}`);
  const jobId = run.body.data.job_id as string;
  let lastLog = 0;
  for (;;) {
    const job = (await json('GET', `${syncUrl}/api/v1/admin/sync/jobs/${jobId}`, undefined, token)).body.data as { status: string; counts: Record<string, number>; error: string | null };
    if (!['queued', 'running'].includes(job.status)) {
      const seconds = (performance.now() - started) / 1000;
      if (job.status !== 'succeeded') throw new Error(`job ended ${job.status}: ${job.error ?? JSON.stringify(job.counts)}`);
      return { status: job.status, counts: job.counts, seconds: round(seconds, 2), rows_per_s: round(rows / seconds, 0) };
    }
    if (performance.now() - started > JOB_TIMEOUT_MS) throw new Error(`job still ${job.status} after ${JOB_TIMEOUT_MS / 1000} s`);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      progress(`sync: job ${job.status}, ${job.counts.fetched ?? 0} fetched`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The same rows straight into a copy of users.users (its indexes and constraints), 10 000 a statement. */
async function bulkInsert(databaseUrl: string, total: number, label: string): Promise<{ seconds: number; rows_per_s: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TABLE users.bench_bulk (LIKE users.users INCLUDING ALL)');
    const started = performance.now();
    for (let from = 0; from < total; from += 10_000) {
      const people = Array.from({ length: Math.min(10_000, total - from) }, (_, k) => person(from + k, `${label}b`));
      await client.query(
        `INSERT INTO users.bench_bulk (id, email, display_name, first_name, last_name, external_source, external_id)
         SELECT gen_random_uuid(), e, d, f, l, 'bench', x FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(e, d, f, l, x)`,
        [people.map((p) => p.email), people.map((p) => p.name), people.map((p) => p.first), people.map((p) => p.last), people.map((p) => p.id)]);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds: round(seconds, 2), rows_per_s: round(total / seconds, 0) };
  } finally {
    await client.query('DROP TABLE IF EXISTS users.bench_bulk').catch(() => {});
    await client.end();
  }
}


export async function runSyncBench(): Promise<unknown> {
  const rows = Number(process.env.BENCH_SYNC_USERS ?? 100_000);
  const label = `sb${randomBytes(3).toString('hex')}`;
  const key = randomBytes(12).toString('hex');
  const runDir = mkdtempSync(join(tmpdir(), 'sync-bench-'));
  const db = await createBenchDatabase(infra.databaseUrl, 'sync');
  const exchange = `bench.sync.${label}`;
  ensureDevKeys(join(root, DEV_KEYS_DIR));
  const dev = devDefaults(root);
  // A RabbitMQ vhost of its own (where rabbitmqctl exists): every queue the services declare goes with it.
  const amqp = await benchVhost(infra.amqpUrl, 'sync');
  const common = { DATABASE_URL: db.url, REDIS_URL: infra.redisUrl, AMQP_URL: amqp.url, EVENTS_EXCHANGE: exchange, EVENT_QUEUE_PREFIX: label };
  const children: Child[] = [];
  const source = await startSource(rows, label, key);
  const nullUsers = await startNullUserService();
  const cleanup = async () => {
    for (const c of children.reverse()) await c.stop().catch(() => {});
    await new Promise((r) => source.server.close(r));
    await new Promise((r) => nullUsers.server.close(r));
    await db.drop().catch(() => {});
    await deleteExchange(amqp.url, exchange).catch(() => {});
    await deleteExchange(amqp.url, `${exchange}.alone`).catch(() => {});
    await amqp.drop();
    if (process.env.BENCH_SYNC_KEEP_LOGS) progress(`sync: service logs kept in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  };
  const done = onInterrupt(cleanup);
  const startedAt = new Date().toISOString();
  const loadStart = loadavg().map((l) => round(l, 1));
  try {
    progress(`sync: ${rows} people, database ${db.name}`);
    const auth = await startService('auth', {
      ...common, JWT_PRIVATE_KEY_FILE: dev.JWT_PRIVATE_KEY_FILE!, SERVICE_ACCOUNTS: dev.SERVICE_ACCOUNTS!,
      ADMIN_EMAIL: DEV_ADMIN.email, ADMIN_PASSWORD: DEV_ADMIN.password,
    }, runDir);
    children.push(auth.child);
    const authEnv = { AUTH_URL: auth.url, AUTH_JWKS_URL: `${auth.url}/api/v1/public/auth/.well-known/jwks.json` };
    // auth creates invited identities one by one (500 per call): give it time instead of timing out and retrying.
    const user = await startService('user', { ...common, ...authEnv, SERVICE_CLIENT_ID: 'user', SERVICE_CLIENT_SECRET: DEV_SERVICE_SECRETS.user!, AUTH_TIMEOUT_MS: '30000' }, runDir);
    children.push(user.child);
    const sync = await startService('sync', {
      ...common, ...authEnv, SERVICE_CLIENT_ID: 'sync', SERVICE_CLIENT_SECRET: DEV_SERVICE_SECRETS.sync!, USER_SERVICE_URL: user.url,
      SYNC_SECRET_KEY: dev.SYNC_SECRET_KEY!, SYNC_JOB_QUEUE: `${label}.jobs`, SYNC_PAGE_SIZE: String(PAGE), SYNC_BATCH_SIZE: String(BATCH),
      USER_SERVICE_TIMEOUT_MS: '120000',
    }, runDir);
    children.push(sync.child);

    // A second sync process (its own queue) aimed at the null user service: sync's own pipeline rate.
    // Its own exchange and queue prefix: no events reach it, so its change-feed consumers stay idle.
    const syncAlone = await startService('sync', {
      ...common, EVENTS_EXCHANGE: `${exchange}.alone`, EVENT_QUEUE_PREFIX: `${label}alone`, ...authEnv, SERVICE_CLIENT_ID: 'sync', SERVICE_CLIENT_SECRET: DEV_SERVICE_SECRETS.sync!, USER_SERVICE_URL: nullUsers.url,
      SYNC_SECRET_KEY: dev.SYNC_SECRET_KEY!, SYNC_JOB_QUEUE: `${label}.alone.jobs`, SYNC_SCHEDULER: 'false', SYNC_PAGE_SIZE: String(PAGE), SYNC_BATCH_SIZE: String(BATCH),
    }, runDir);
    children.push(syncAlone.child);

    const login = await json('POST', `${auth.url}/api/v1/public/auth/login`, { email: DEV_ADMIN.email, password: DEV_ADMIN.password });
    const token = login.body.data.access_token as string;
    const connectionBody = (name: string) => ({
      name, provider: 'rest-json', secrets: { auth_value: key },
      settings: { url: `${source.url}/people`, auth_header: 'x-api-key', records_path: 'items', pagination: { type: 'page' }, mapping: { external_id: 'id', email: 'email', display_name: 'name', first_name: 'first', last_name: 'last' } },
    });
    const connection = await json('POST', `${sync.url}/api/v1/admin/sync/connections`, {
      name: 'bench source', provider: 'rest-json', secrets: { auth_value: key },
      settings: { url: `${source.url}/people`, auth_header: 'x-api-key', records_path: 'items', pagination: { type: 'page' }, mapping: { external_id: 'id', email: 'email', display_name: 'name', first_name: 'first', last_name: 'last' } },
    }, token);
    if (connection.status !== 201) throw new Error(`connection refused: ${JSON.stringify(connection.body)}`);
    const connectionId = connection.body.data.id as string;

    progress('sync: import run');
    const first = await runJob(sync.url, token, connectionId, rows);
    progress(`sync: imported at ${first.rows_per_s} rows/s`);
    progress('sync: unchanged second run');
    const second = await runJob(sync.url, token, connectionId, rows);
    progress('sync: the same import into a user service that stores nothing');
    const aloneConnection = await json('POST', `${syncAlone.url}/api/v1/admin/sync/connections`, connectionBody('bench source, null user service'), token);
    const alone = await runJob(syncAlone.url, token, aloneConnection.body.data.id as string, rows);
    progress('sync: plain bulk insert of the same rows');
    const bulk = await bulkInsert(db.url, rows, label);
    const ratio = round(first.rows_per_s / bulk.rows_per_s, 3);
    const results = {
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      git_commit: gitCommit(),
      // Other processes on the machine share its CPUs: the load at the start and the end says how disturbed the run was.
      machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? null, node: process.version, load_avg_start: loadStart, load_avg_end: loadavg().map((l) => round(l, 1)) },
      settings: { rows, page_size: PAGE, batch_size: BATCH, amqp: amqp.isolation },
      import: first,
      second_run: second,
      sync_alone: alone,
      bulk_insert: bulk,
      targets: { import_vs_bulk: { ratio, target: TARGET_RATIO, met: ratio >= TARGET_RATIO } },
    };
    await writeResults(results);
    return results;
  } finally {
    done();
    await cleanup();
  }
}

async function writeResults(r: { import: JobResult; second_run: JobResult; sync_alone: JobResult; bulk_insert: { seconds: number; rows_per_s: number }; settings: { rows: number }; targets: { import_vs_bulk: { ratio: number; target: number; met: boolean } }; git_commit: string | null; started_at: string; machine: Record<string, unknown> }) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const t = r.targets.import_vs_bulk;
  const md = [
    '# Sync benchmark',
    '',
    `Run ${r.started_at} at ${r.git_commit ?? 'unknown commit'} on ${String(r.machine.cpus)} CPUs (load average ${String(r.machine.load_avg_start)} at the start, ${String(r.machine.load_avg_end)} at the end). ${r.settings.rows.toLocaleString('en-US')} people from a rest-json source (pages of ${PAGE}, batches of ${BATCH}, 2 in flight) into the real user service (identities created by the real auth service).`,
    '',
    '| Measurement | Seconds | Rows/s |',
    '| --- | ---: | ---: |',
    `| Import (full run, every person created) | ${r.import.seconds} | ${r.import.rows_per_s.toLocaleString('en-US')} |`,
    `| Second run (every person unchanged) | ${r.second_run.seconds} | ${r.second_run.rows_per_s.toLocaleString('en-US')} |`,
    `| Import into a user service that stores nothing (sync's own cost) | ${r.sync_alone.seconds} | ${r.sync_alone.rows_per_s.toLocaleString('en-US')} |`,
    `| Plain bulk insert into a copy of users.users | ${r.bulk_insert.seconds} | ${r.bulk_insert.rows_per_s.toLocaleString('en-US')} |`,
    '',
    '| Target | Ratio | Target | Verdict |',
    '| --- | ---: | ---: | --- |',
    `| import rate / bulk-insert rate | ${t.ratio} | ≥ ${t.target} | ${t.met ? 'met' : '**not met**'} |`,
    '',
  ].join('\n');
  const write = async (name: string, content: string) => {
    const tmp = join(RESULTS_DIR, `.${name}.tmp`);
    await writeFile(tmp, content);
    await rename(tmp, join(RESULTS_DIR, name));
  };
  await write('sync-latest.json', `${JSON.stringify(r, null, 2)}\n`);
  await write('sync-latest.md', md);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runSyncBench().then(
    (r) => { console.log(JSON.stringify((r as { targets: unknown }).targets)); },
    async (err: unknown) => { console.error(err); await runInterruptCleanups(); process.exitCode = 1; },
  );
}
