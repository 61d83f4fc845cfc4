// Change-feed read throughput (issue 8, `pnpm bench`): BENCH_CHANGES rows (default 100 000) in
// sync.changes of a fresh database, read through HTTP by a client in this process from the change
// feed's HTTP side in its own process (services/sync/test/fixtures/change-feed-server.ts: the sync service's middleware, guards,
// routers and adapters). Measured: the service feed (GET /services/users/sync, every user's changes)
// paged with limit=1000 from the start to the end, the same for one user's own feed
// (GET /sync/changes, 1 % of the rows, spread through the log), and the SSE stream's backfill
// (GET /services/users/sync/stream from Last-Event-ID 0). Best of 3 rounds, median beside it.
// Writes bench/results/sync-change-feed-latest.{json,md} and returns the result, for the sync
// bench (run-sync-bench.ts) or bench/run.ts to include.
//
// Run alone: `node bench/sync/change-feed-bench.ts` (BENCH_CHANGES=20000 for a short run).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPool, migrate } from '@platform/shared/db';
import { createLogger } from '@platform/shared/logger';
import { spawnChild, waitForHttp } from '../gateway/child-process.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { runInterruptCleanups } from '../lib/cleanup.ts';
import { infra, loadJwt, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { round } from '../lib/stats.ts';

const root = fileURLToPath(rootDir);
const RESULTS_DIR = join(root, 'bench/results');
const LIMIT = 1_000;
const ROUNDS = 3;
/** Changes per second read through the service feed: the target the table reports against. */
const TARGET_PER_S = 20_000;

type Round = { changes: number; pages: number; seconds: number; per_s: number };
type Measured = { best: Round; median_per_s: number; rounds: Round[] };

export type ChangeFeedBenchResult = {
  rows: number;
  limit: number;
  machine: { cpus: number; model: string | undefined; node: string };
  service_feed: Measured;
  user_feed: Measured & { user_rows: number };
  sse_backfill: Measured;
  target: { service_feed_changes_per_s: number; met: boolean };
};

/** Inserts `total` user-record-like changes (1 % owned by `owner`, spread through the log). */
async function fill(databaseUrl: string, total: number, owner: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO sync.changes (entity, entity_id, user_id, op, data, event_id, occurred_at)
       SELECT 'user', u::text, u, 'upsert',
              jsonb_build_object('id', u, 'email', 'person' || i || '@bench.example.com', 'display_name', 'Bench Person ' || i,
                'first_name', 'Bench', 'last_name', 'Person' || i, 'avatar_file_id', null, 'bio', null, 'locale', 'en',
                'timezone', 'UTC', 'role', 'user', 'status', 'active', 'version', 1 + i % 5,
                'created_at', now(), 'updated_at', now()),
              gen_random_uuid(), now()
         FROM generate_series(1, $1) AS i, LATERAL (SELECT CASE WHEN i % 100 = 0 THEN $2::uuid ELSE gen_random_uuid() END AS u) x
        ORDER BY i`, [total, owner]);
    await client.query('ANALYZE sync.changes');
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM sync.changes WHERE user_id = $1', [owner]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

function measured(rounds: Round[]): Measured {
  const byRate = [...rounds].sort((a, b) => b.per_s - a.per_s);
  return { best: byRate[0]!, median_per_s: byRate[Math.floor(byRate.length / 2)]!.per_s, rounds };
}

/** Pages a feed route from the start to has_more=false. */
async function pageThrough(url: string, token: string): Promise<Round> {
  let since: number | undefined;
  let changes = 0;
  let pages = 0;
  const started = performance.now();
  for (;;) {
    const res = await fetch(`${url}?limit=${LIMIT}${since === undefined ? '' : `&since=${since}`}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { data: { id: number }[]; meta: { next_cursor: number; has_more: boolean } };
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    changes += body.data.length;
    pages += 1;
    since = body.meta.next_cursor;
    if (!body.meta.has_more) break;
  }
  const seconds = (performance.now() - started) / 1000;
  return { changes, pages, seconds: round(seconds, 3), per_s: round(changes / seconds, 0) };
}

/** Opens the SSE stream from Last-Event-ID 0 and counts `change` events until `expected` arrived. */
function streamBackfill(url: string, token: string, expected: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let count = 0;
    let buffer = '';
    const req = request(url, { headers: { authorization: `Bearer ${token}`, 'last-event-id': '0', accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`${url} answered ${res.statusCode}`)); req.destroy(); return; }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          if (buffer.startsWith('id: ') && buffer.slice(0, at).includes('\nevent: change\n')) {
            JSON.parse(buffer.slice(buffer.indexOf('\ndata: ') + 7, at));
            count += 1;
          }
          buffer = buffer.slice(at + 2);
        }
        if (count >= expected) {
          const seconds = (performance.now() - started) / 1000;
          req.destroy();
          resolve({ changes: count, pages: 0, seconds: round(seconds, 3), per_s: round(count / seconds, 0) });
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (err) => { if (count < expected) reject(err); });
    req.end();
  });
}

function markdown(r: ChangeFeedBenchResult): string {
  const row = (name: string, m: Measured) => `| ${name} | ${m.best.changes} | ${m.best.pages || '-'} | ${m.best.seconds} | **${m.best.per_s}** | ${m.median_per_s} |`;
  return [
    '# Change feed read throughput (sync service)',
    '',
    `${r.rows} changes in sync.changes, read over HTTP on loopback (client and server in separate processes; ${r.machine.cpus} CPUs, ${r.machine.model ?? 'unknown CPU'}, Node ${r.machine.node}). Pages of limit=${r.limit}; best of ${ROUNDS} rounds.`,
    '',
    '| read | changes | pages | seconds | changes/s (best) | changes/s (median) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('GET /services/users/sync (every user)', r.service_feed),
    row(`GET /sync/changes (one user, ${r.user_feed.user_rows} of the rows)`, r.user_feed),
    row('GET /services/users/sync/stream (SSE backfill from 0)', r.sse_backfill),
    '',
    '| target | value | met |',
    '| --- | ---: | --- |',
    `| service feed ≥ ${r.target.service_feed_changes_per_s} changes/s | ${r.service_feed.best.per_s} | ${r.target.met ? 'met' : 'not met'} |`,
    '',
  ].join('\n');
}

export async function runChangeFeedBench({ rows = Number(process.env.BENCH_CHANGES ?? 100_000), writeResults = true } = {}): Promise<ChangeFeedBenchResult> {
  const db = await createBenchDatabase(infra.databaseUrl, 'changefeed');
  const runDir = mkdtempSync(join(tmpdir(), 'change-feed-bench-'));
  const logger = createLogger({ service: 'bench', level: 'error' });
  let child: ReturnType<typeof spawnChild> | undefined;
  try {
    const pool = createPool(db.url, { logger, applicationName: 'bench' });
    await migrate(pool, { schema: 'sync', dir: new URL('../../services/sync/migrations', import.meta.url) });
    await pool.end();
    const owner = randomUUID();
    progress(`change feed: inserting ${rows} changes`);
    const userRows = await fill(db.url, rows, owner);

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const port = await freePort();
    child = spawnChild({
      name: 'change-feed-server',
      command: process.execPath,
      args: [join(root, 'services/sync/test/fixtures/change-feed-server.ts')],
      cwd: join(root, 'services/sync'),
      env: {
        PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL: infra.redisUrl, PORT: String(port),
        BENCH_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        BENCH_CHANNEL: `bench:changes:${randomBytes(4).toString('hex')}`,
      },
      logFile: join(runDir, 'server.log'),
    });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitForHttp(child, `${base}/sync/changes`, 60_000, 401);

    const jwt = loadJwt();
    const now = Math.floor(Date.now() / 1000);
    const sign = (sub: string, role: string) => jwt.sign(
      { iss: 'platform-auth', sub, role, ...(role !== 'service' && { sid: randomUUID() }), jti: randomUUID(), iat: now, exp: now + 3_600 },
      privateKey, { algorithm: 'RS256', keyid: 'bench' });
    const service = sign(randomUUID(), 'service');
    const user = sign(owner, 'user');

    const serviceRounds: Round[] = [];
    const userRounds: Round[] = [];
    const sseRounds: Round[] = [];
    // Warm-up (JIT, pg plans, buffer cache), then interleaved rounds.
    await pageThrough(`${base}/services/users/sync`, service);
    for (let i = 0; i < ROUNDS; i++) {
      progress(`change feed: round ${i + 1}/${ROUNDS}`);
      serviceRounds.push(await pageThrough(`${base}/services/users/sync`, service));
      userRounds.push(await pageThrough(`${base}/sync/changes`, user));
      sseRounds.push(await streamBackfill(`${base}/services/users/sync/stream`, service, rows));
    }
    for (const r of serviceRounds) if (r.changes !== rows) throw new Error(`the service feed returned ${r.changes} changes, expected ${rows}`);
    for (const r of userRounds) if (r.changes !== userRows) throw new Error(`the user feed returned ${r.changes} changes, expected ${userRows}`);

    const service_feed = measured(serviceRounds);
    const result: ChangeFeedBenchResult = {
      rows,
      limit: LIMIT,
      machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version },
      service_feed,
      user_feed: { ...measured(userRounds), user_rows: userRows },
      sse_backfill: measured(sseRounds),
      target: { service_feed_changes_per_s: TARGET_PER_S, met: service_feed.best.per_s >= TARGET_PER_S },
    };
    if (writeResults) {
      await mkdir(RESULTS_DIR, { recursive: true });
      for (const [ext, text] of [['json', `${JSON.stringify(result, null, 2)}\n`], ['md', markdown(result)]] as const) {
        const file = join(RESULTS_DIR, `sync-change-feed-latest.${ext}`);
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      }
    }
    progress(`change feed: ${service_feed.best.per_s} changes/s (service feed, best), ${result.user_feed.best.per_s} (one user), ${result.sse_backfill.best.per_s} (SSE backfill)`);
    return result;
  } finally {
    await child?.stop();
    await db.drop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runChangeFeedBench().then(
    (r) => { console.log(markdown(r)); },
    async (err: unknown) => {
      console.error(err);
      await runInterruptCleanups();
      process.exitCode = 1;
    },
  );
}
