import { fork, type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { externalSource } from '../src/usecases/run-job.ts';
import { startFakeUserService, type FakeUserService } from './fakes/fake-user-service.ts';
import { makePeople, startRestJsonSource } from './fakes/sources.ts';
import { API, bearer, startTestApp, waitFor, type TestApp } from './helpers.ts';
import { createConnection, getJob, runConnection, waitForJobEnd } from './jobs-helpers.ts';

let t: TestApp;
let users: FakeUserService;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  users = await startFakeUserService();
  t = await startTestApp({ userServiceUrl: users.url, env: { SYNC_PAGE_SIZE: '10', SYNC_BATCH_SIZE: '10' } });
});
afterAll(async () => {
  await t.stop();
  await users.close();
});
afterEach(async () => {
  users.beforeAnswer = undefined;
  users.afterApply = undefined;
  while (closers.length) await closers.pop()!();
});

async function restConnection(people = makePeople(50), extra: Record<string, unknown> = {}) {
  const s = await startRestJsonSource(people, { kind: 'page' });
  closers.push(() => s.close());
  const connection = await createConnection(t, {
    provider: 'rest-json',
    settings: { url: `${s.url}/api/people`, auth_header: 'x-api-key', records_path: 'data', pagination: { type: 'page' }, mapping: { external_id: 'id', email: 'work_email', display_name: 'name' } },
    secrets: { auth_value: 'source-key' },
    ...extra,
  });
  return { s, connection };
}

function forkWorker(): Promise<ChildProcess> {
  const child = fork(new URL('./fixtures/worker-process.ts', import.meta.url), {
    env: {
      ...process.env,
      DATABASE_URL: t.db.url, AMQP_URL: t.config.AMQP_URL, EVENTS_EXCHANGE: t.config.EVENTS_EXCHANGE, SYNC_JOB_QUEUE: t.config.SYNC_JOB_QUEUE,
      SYNC_SECRET_KEY: t.config.SYNC_SECRET_KEY.toString('base64'), SERVICE_CLIENT_SECRET: 'x', USER_SERVICE_URL: users.url,
      SYNC_PAGE_SIZE: '10', SYNC_BATCH_SIZE: '10', SYNC_HEARTBEAT_MS: '100',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  closers.push(async () => { child.kill('SIGKILL'); });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

describe('a job whose worker dies', () => {
  it('resumes from its last committed page on another worker without importing anyone twice', async () => {
    const { s, connection } = await restConnection();
    // The third batch reaches the user service and is applied there, then the worker is killed before it could commit the page.
    let reached!: () => void;
    const third = new Promise<void>((r) => { reached = r; });
    users.afterApply = (n) => (n === 3 ? (reached(), new Promise<void>(() => {})) : undefined);
    const child = await forkWorker();
    const jobId = await runConnection(t, connection.id);
    await third;
    const before = await getJob(t, jobId);
    expect(before).toMatchObject({ status: 'running', pages: 2, counts: { fetched: 20, created: 20 } });
    child.kill('SIGKILL');
    users.afterApply = undefined;
    const requestsBefore = s.requests.length;

    // A fresh worker, and the sweeper that hands the job over once its heartbeat is stale.
    const worker = t.startWorker('w2');
    const scheduler = t.startScheduler();
    const job = await waitForJobEnd(t, jobId, 30_000);
    await scheduler.stop();
    await worker.stop();
    expect(job).toMatchObject({ status: 'succeeded', counts: { fetched: 50, created: 40, unchanged: 10, updated: 0, failed: 0 } });
    const [row] = await t.rows<{ attempts: number }>('SELECT attempts FROM sync.jobs WHERE id = $1', [jobId]);
    expect(row!.attempts).toBe(2);
    // The resumed run started at page 3: pages 1 and 2 were not read again.
    expect(s.requests.slice(requestsBefore).map((r) => new URL(r, 'http://x').searchParams.get('page'))).toEqual(['3', '4', '5', '6']);
    const imported = users.bySource(externalSource(connection.id));
    expect(imported).toHaveLength(50);
    expect(imported.every((u) => u.writes === 1)).toBe(true);
  });
});

describe('a job whose message was lost', () => {
  it('is sent again by the sweeper and runs', async () => {
    const { connection } = await restConnection(makePeople(4, 'lost-'));
    // Queued in Postgres, but never published (as when RabbitMQ was down at the run request).
    const { job } = await t.deps.runInTx((tx) => t.deps.jobs.createOrGetActive(tx, { connectionId: connection.id, trigger: 'manual', mode: 'full', requestedBy: null }));
    const worker = t.startWorker('lost');
    const scheduler = t.startScheduler();
    expect(await waitForJobEnd(t, job.id)).toMatchObject({ status: 'succeeded', counts: { fetched: 4, created: 4 } });
    await scheduler.stop();
    await worker.stop();
  });
});

describe('a stalled worker', () => {
  it('commits nothing once another worker took its job over', async () => {
    const { connection } = await restConnection(makePeople(1, 'fence-'));
    const { deps } = t;
    const { job } = await deps.runInTx((tx) => deps.jobs.createOrGetActive(tx, { connectionId: connection.id, trigger: 'manual', mode: 'full', requestedBy: null }));
    expect(await deps.runInTx((tx) => deps.jobs.claim(tx, job.id, 'stalled', 60_000))).not.toBeNull();
    // Its heartbeat goes stale; another worker claims the job.
    await t.rows(`UPDATE sync.jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [job.id]);
    expect(await deps.runInTx((tx) => deps.jobs.claim(tx, job.id, 'healthy', 60_000))).toMatchObject({ attempts: 2 });
    const counts = { fetched: 99, created: 99, updated: 0, unchanged: 0, deleted: 0, failed: 0 };
    expect(await deps.runInTx((tx) => deps.jobs.savePage(tx, job.id, 'stalled', { counts, cursor: 'x', pages: 9 }))).toBe(false);
    expect(await deps.runInTx((tx) => deps.jobs.finish(tx, job.id, 'stalled', { status: 'succeeded', counts, error: null }))).toBeNull();
    expect(await t.rows('SELECT status, pages, worker FROM sync.jobs WHERE id = $1', [job.id])).toEqual([{ status: 'running', pages: 0, worker: 'healthy' }]);
    await deps.runInTx((tx) => deps.jobs.finish(tx, job.id, 'healthy', { status: 'cancelled', counts, error: null }));
  });
});

describe('competing workers', () => {
  it('share the queue: each job runs exactly once', async () => {
    const workerA = t.startWorker('a');
    const workerB = t.startWorker('b');
    const conns = await Promise.all([1, 2, 3, 4].map((i) => restConnection(makePeople(10, `cw${i}-`))));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    users.beforeAnswer = () => gate;
    const jobIds: string[] = [];
    for (const { connection } of conns) jobIds.push(await runConnection(t, connection.id));
    await waitFor(async () => (await t.rows(`SELECT 1 FROM sync.jobs WHERE id = ANY($1::uuid[]) AND status = 'running'`, [jobIds])).length === 4, { what: 'four running jobs' });
    release();
    for (const id of jobIds) expect((await waitForJobEnd(t, id)).counts).toMatchObject({ fetched: 10, created: 10 });
    const workers = await t.rows<{ worker: string; attempts: number }>('SELECT worker, attempts FROM sync.jobs WHERE id = ANY($1::uuid[])', [jobIds]);
    expect(new Set(workers.map((w) => w.worker)).size).toBe(2);
    expect(workers.every((w) => w.attempts === 1)).toBe(true);
    await workerA.stop();
    await workerB.stop();
  });
});

describe('the scheduler', () => {
  it('runs a connection on its cron schedule, with one leader among replicas', async () => {
    const a = t.startScheduler();
    const b = t.startScheduler();
    const worker = t.startWorker('sched');
    await waitFor(async () => a.isLeader() || b.isLeader(), { what: 'a leader' });
    expect(a.isLeader() && b.isLeader()).toBe(false);
    const { connection } = await restConnection(makePeople(5, 'cron-'), { schedule: '* * * * * *' });
    const first = await waitFor(async () => (await t.rows<{ id: string }>(`SELECT id FROM sync.jobs WHERE connection_id = $1 AND trigger = 'schedule'`, [connection.id]))[0], { what: 'a scheduled job' });
    const job = await waitForJobEnd(t, first.id);
    // No full run yet: the first scheduled run is a full one.
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'schedule', mode: 'full', counts: { fetched: 5, created: 5 } });
    const next = await waitFor(async () => (await t.rows<{ id: string; mode: string }>(`SELECT id, mode FROM sync.jobs WHERE connection_id = $1 AND trigger = 'schedule' AND id <> $2`, [connection.id, first.id]))[0], { what: 'a second scheduled job' });
    expect(next.mode).toBe('incremental');
    await request(t.app).patch(`${API}/admin/sync/connections/${connection.id}`).set('authorization', bearer(t.admin)).send({ schedule: null });
    await waitForJobEnd(t, next.id);
    await a.stop();
    await b.stop();
    await worker.stop();
  });
});

describe('GET /admin/sync/jobs/:id/events', () => {
  it('streams progress while the job runs and ends with its final state', async () => {
    t.startWorker('sse');
    const { connection } = await restConnection(makePeople(30, 'sse-'));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    users.beforeAnswer = (n) => (n === users.calls.length && n > 0 ? gate : undefined);
    const jobId = await runConnection(t, connection.id);
    const stream = request(t.app).get(`${API}/admin/sync/jobs/${jobId}/events`).set('authorization', bearer(t.admin))
      .buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => done(null, text));
      });
    setTimeout(release, 300);
    const res = await stream;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = (res.body as string).split('\n\n').filter(Boolean).map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1],
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as { status: string; counts: { fetched: number } },
    }));
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded', counts: { fetched: 30 } } });
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(2);
  });
});
