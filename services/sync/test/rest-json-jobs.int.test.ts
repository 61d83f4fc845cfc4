import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { externalSource } from '../src/usecases/run-job.ts';
import { startFakeUserService, type FakeUserService } from './fakes/fake-user-service.ts';
import { sendJson, startFakeServer } from './fakes/http-server.ts';
import { makePeople, startRestJsonSource, type PagingKind } from './fakes/sources.ts';
import { API, bearer, expectError, startTestApp, waitFor, type TestApp } from './helpers.ts';
import { createConnection, getJob, runConnection, runToEnd, waitForJobEnd } from './jobs-helpers.ts';

let t: TestApp;
let users: FakeUserService;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  users = await startFakeUserService();
  t = await startTestApp({ userServiceUrl: users.url, env: { SYNC_PAGE_SIZE: '10', SYNC_BATCH_SIZE: '4' } });
  t.startWorker();
});
afterAll(async () => {
  await t.stop();
  await users.close();
});
afterEach(async () => {
  users.failWith = null;
  users.refuseDeactivate = false;
  users.itemsFailWith = null;
  users.beforeAnswer = undefined;
  while (closers.length) await closers.pop()!();
});

const settingsFor = (url: string, kind: PagingKind, extra: Record<string, unknown> = {}) => ({
  url: `${url}/api/people`,
  auth_header: 'x-api-key',
  records_path: 'data',
  pagination: kind === 'cursor' ? { type: 'cursor', next_path: 'meta.next', size_param: 'limit' } : kind === 'link' ? { type: 'link', size_param: 'limit' } : { type: kind },
  mapping: { external_id: 'id', email: 'work_email', display_name: 'name' },
  ...extra,
});

async function source(people = makePeople(23), kind: PagingKind = 'page') {
  const s = await startRestJsonSource(people, { kind });
  closers.push(() => s.close());
  const connection = await createConnection(t, { provider: 'rest-json', settings: settingsFor(s.url, kind), secrets: { auth_value: 'source-key' } });
  return { s, connection, people };
}

describe('a manual rest-json job', () => {
  it.each(['page', 'offset', 'cursor', 'link'] as const)('imports every person through %s pagination, and a second run changes nothing', async (kind) => {
    const { s, connection } = await source(makePeople(23, `${kind}-`), kind);
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'manual', counts: { fetched: 23, created: 23, updated: 0, unchanged: 0, failed: 0, deleted: 0 } });
    expect(job.pages).toBe(3);
    const imported = users.bySource(externalSource(connection.id));
    expect(imported.map((u) => u.external_id).sort()).toEqual(makePeople(23, `${kind}-`).map((p) => p.id));
    expect(imported.find((u) => u.external_id === `${kind}-0001`)).toMatchObject({ email: `${kind}-0001@example.com`, display_name: `Person ${kind}- 0001` });
    expect(s.requests.length).toBe(3);

    const again = await runToEnd(t, connection.id, 'full');
    expect(again).toMatchObject({ status: 'succeeded', counts: { fetched: 23, created: 0, updated: 0, unchanged: 23, failed: 0, deleted: 0 } });
    expect(imported.every((u) => u.writes === 1)).toBe(true);

    const events = await t.outbox();
    const ofJob = (id: string) => events.filter((e) => e.envelope.data.job_id === id).map((e) => e.type);
    expect(ofJob(job.id)).toEqual(['sync.job.started', 'sync.job.completed']);
    const completed = events.find((e) => e.type === 'sync.job.completed' && e.envelope.data.job_id === job.id)!;
    expect(completed.envelope.data).toMatchObject({ connection_id: connection.id, counts: { fetched: 23, created: 23 } });
  });

  it('answers 202 with the running job when a run is asked twice', async () => {
    const { connection } = await source(makePeople(5, 'twice-'));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    users.beforeAnswer = () => gate;
    const first = await runConnection(t, connection.id);
    const res = await request(t.app).post(`${API}/admin/sync/connections/${connection.id}/run`).set('authorization', bearer(t.admin)).send({});
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ job_id: first, created: false });
    release();
    expect((await waitForJobEnd(t, first)).status).toBe('succeeded');
  });

  it('records bad provider data per record and imports the rest', async () => {
    const people = makePeople(8, 'bad-');
    people[1]!.work_email = 'not-an-email';
    delete (people[2] as Partial<typeof people[2]>).work_email;
    people[3]!.id = people[0]!.id; // duplicate id
    people[4]!.work_email = people[5]!.work_email; // duplicate email within the page
    (people[6] as Record<string, unknown>).id = null;
    const { connection } = await source(people);
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'partially_succeeded', counts: { fetched: 8, created: 3, failed: 5 } });

    const res = await request(t.app).get(`${API}/admin/sync/jobs/${job.id}/errors?limit=2`).set('authorization', bearer(t.admin));
    expect(res.status).toBe(200);
    expect(res.body.meta.pagination).toMatchObject({ limit: 2, offset: 0, total: 5, has_next: true });
    const all = (await request(t.app).get(`${API}/admin/sync/jobs/${job.id}/errors`).set('authorization', bearer(t.admin))).body.data as { record_ref: string | null; field: string; message: string }[];
    expect(all.map((e) => [e.record_ref, e.field, e.message]).sort()).toEqual([
      [null, 'external_id', 'Missing external id'],
      ['bad-0001', 'external_id', 'Duplicate external id in this run'],
      ['bad-0002', 'email', 'Invalid email address'],
      ['bad-0003', 'email', 'Missing email'],
      ['bad-0006', 'email', 'Duplicate email in this run'],
    ].sort());
    expect(users.bySource(externalSource(connection.id)).map((u) => u.external_id).sort()).toEqual(['bad-0001', 'bad-0005', 'bad-0008']);
  });

  it('records an email the user service refuses as a per-record error', async () => {
    const taken = makePeople(1, 'owner-');
    const a = await source(taken);
    await runToEnd(t, a.connection.id);
    const people = makePeople(3, 'clash-');
    people[1]!.work_email = taken[0]!.work_email;
    const { connection } = await source(people);
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'partially_succeeded', counts: { fetched: 3, created: 2, failed: 1 } });
    const errors = (await request(t.app).get(`${API}/admin/sync/jobs/${job.id}/errors`).set('authorization', bearer(t.admin))).body.data;
    expect(errors).toMatchObject([{ record_ref: 'clash-0002', message: 'Email belongs to a user linked to another external record' }]);
  });

  it('pauses while the user service is unavailable, then completes', async () => {
    const { connection } = await source(makePeople(12, 'down-'));
    users.failWith = 503;
    const jobId = await runConnection(t, connection.id);
    const paused = await waitFor(async () => {
      const job = await getJob(t, jobId);
      return job.paused ? job : null;
    }, { what: 'the job to pause' });
    expect(paused).toMatchObject({ status: 'running', pause_reason: 'The user service is unavailable', counts: { created: 0, failed: 0 } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await getJob(t, jobId)).status).toBe('running');
    users.failWith = null;
    const job = await waitForJobEnd(t, jobId);
    expect(job).toMatchObject({ status: 'succeeded', paused: false, counts: { fetched: 12, created: 12, failed: 0 } });
  });

  it('pauses while the provider answers 503, then completes', async () => {
    const { s, connection } = await source(makePeople(12, 'busy-'));
    s.failNext = 3;
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'succeeded', counts: { fetched: 12, created: 12 } });
    expect(s.requests.length).toBe(5);
  });

  it('fails the job (with a safe message) when the provider refuses the credentials', async () => {
    const s = await startRestJsonSource(makePeople(3), { kind: 'page' });
    closers.push(() => s.close());
    const connection = await createConnection(t, { provider: 'rest-json', settings: settingsFor(s.url, 'page'), secrets: { auth_value: 'wrong-key-secret-value' } });
    const job = await runToEnd(t, connection.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/answered 401/);
    const events = await t.outbox('sync.job.failed');
    expect(events.find((e) => e.envelope.data.job_id === job.id)?.envelope.data).toMatchObject({ error: expect.stringMatching(/401/) });
    expect(JSON.stringify(job)).not.toContain('wrong-key-secret-value');
    expect(t.logs.join('\n')).not.toContain('wrong-key-secret-value');
  });

  it('deactivates people who vanished from the source on a full run, never on an incremental one', async () => {
    const people = makePeople(6, 'gone-');
    const { s, connection } = await source(people);
    await runToEnd(t, connection.id, 'full');
    s.people = people.slice(0, 4);
    const incremental = await runToEnd(t, connection.id, 'incremental');
    expect(incremental.counts.deleted).toBe(0);
    const full = await runToEnd(t, connection.id, 'full');
    expect(full).toMatchObject({ status: 'succeeded', counts: { fetched: 4, unchanged: 4, deleted: 2 } });
    const stored = users.bySource(externalSource(connection.id));
    expect(stored.filter((u) => u.status === 'inactive').map((u) => u.external_id).sort()).toEqual(['gone-0005', 'gone-0006']);
    expect(stored).toHaveLength(6);
    const again = await runToEnd(t, connection.id, 'full');
    expect(again.counts.deleted).toBe(0);
  });

  it('keeps vanished people pending with a per-record error when the user service refuses to deactivate them', async () => {
    const people = makePeople(3, 'keep-');
    const { s, connection } = await source(people);
    await runToEnd(t, connection.id, 'full');
    s.people = people.slice(0, 2);
    users.refuseDeactivate = true;
    const refused = await runToEnd(t, connection.id, 'full');
    expect(refused).toMatchObject({ status: 'partially_succeeded', counts: { fetched: 2, unchanged: 2, deleted: 0, failed: 1 } });
    const errors = (await request(t.app).get(`${API}/admin/sync/jobs/${refused.id}/errors`).set('authorization', bearer(t.admin))).body.data;
    expect(errors).toMatchObject([{ record_ref: 'keep-0003', message: expect.stringMatching(/^Not deactivated: /) }]);
    users.refuseDeactivate = false;
    expect((await runToEnd(t, connection.id, 'full')).counts).toMatchObject({ deleted: 1, failed: 0 });
  });

  it('sends a batch again, paused, while the user service reports auth unavailable for its items', async () => {
    const { connection } = await source(makePeople(4, 'authdown-'));
    users.itemsFailWith = 'EXT_002';
    const jobId = await runConnection(t, connection.id);
    await waitFor(async () => (await getJob(t, jobId)).paused, { what: 'the job to pause' });
    users.itemsFailWith = null;
    expect(await waitForJobEnd(t, jobId)).toMatchObject({ status: 'succeeded', counts: { fetched: 4, created: 4, failed: 0 } });
  });

  it('reads only what changed since the last run when the source supports it', async () => {
    const people = makePeople(5, 'inc-');
    const s = await startRestJsonSource(people, { kind: 'page' });
    closers.push(() => s.close());
    const connection = await createConnection(t, {
      provider: 'rest-json',
      settings: settingsFor(s.url, 'page', { incremental: { param: 'updated_since', field: 'updated_at' } }),
      secrets: { auth_value: 'source-key' },
    });
    expect((await runToEnd(t, connection.id)).counts).toMatchObject({ fetched: 5, created: 5 });
    people[0]!.name = 'Renamed';
    people[0]!.updated_at = '2026-02-01T00:00:00Z';
    const job = await runToEnd(t, connection.id);
    expect(job.counts).toMatchObject({ fetched: 1, updated: 1, created: 0 });
    expect(s.requests.at(-1)).toContain('updated_since=2026-01-01T00%3A00%3A05Z');
  });

  it('cancels a running job at its next page boundary', async () => {
    const { connection } = await source(makePeople(30, 'cancel-'));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    users.beforeAnswer = () => gate;
    const jobId = await runConnection(t, connection.id);
    await waitFor(async () => users.calls.length > 0 && (await getJob(t, jobId)).status === 'running', { what: 'the job to run' });
    const res = await request(t.app).post(`${API}/admin/sync/jobs/${jobId}/cancel`).set('authorization', bearer(t.admin));
    expect(res.status).toBe(202);
    expect(res.body.data.cancel_requested).toBe(true);
    release();
    const job = await waitForJobEnd(t, jobId);
    expect(job.status).toBe('cancelled');
    expect(job.counts.fetched).toBeLessThan(30);
    expectError(await request(t.app).post(`${API}/admin/sync/jobs/${jobId}/cancel`).set('authorization', bearer(t.admin)), 409, 'BIZ_002');
    const failed = (await t.outbox('sync.job.failed')).find((e) => e.envelope.data.job_id === jobId);
    expect(failed?.envelope.data.error).toBe('Cancelled by an admin');
  });

  it('counts ended jobs and their records in the metrics', async () => {
    const { connection } = await source(makePeople(3, 'metrics-'));
    await runToEnd(t, connection.id);
    const metrics = await request(t.app).get(`${API}/metrics`);
    expect(metrics.text).toMatch(/sync_jobs_total\{status="succeeded"\} [1-9]/);
    expect(metrics.text).toMatch(/sync_records_total\{outcome="created"\} [1-9]/);
  });

  it('fails a job whose source hands back the same next page', async () => {
    const s = await startFakeServer((_req, res) => sendJson(res, 200, { data: [{ id: 'loop-1', work_email: 'loop-1@example.com' }], meta: { next: 'same' } }));
    closers.push(() => s.close());
    const connection = await createConnection(t, { provider: 'rest-json', settings: settingsFor(s.url, 'cursor') });
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'failed', error: 'The source returned the same next page again', pages: 1, counts: { created: 1 } });
  });

  it('previews the first page as a job would map it, and writes nothing', async () => {
    const people = makePeople(30, 'preview-');
    people[2]!.work_email = 'broken';
    const { connection } = await source(people);
    const before = await t.snapshot();
    const res = await request(t.app).post(`${API}/admin/sync/connections/${connection.id}/preview?limit=5`).set('authorization', bearer(t.admin));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ fetched: 5, has_more: true, errors: [{ record_ref: 'preview-0003', field: 'email', message: 'Invalid email address' }] });
    expect(res.body.data.users).toHaveLength(4);
    expect(res.body.data.users[0]).toEqual({ external_id: 'preview-0001', email: 'preview-0001@example.com', display_name: 'Person preview- 0001', first_name: null, last_name: null, locale: null, timezone: null });
    expect(await t.snapshot()).toEqual(before);
    expect(users.bySource(externalSource(connection.id))).toEqual([]);
  });

  it('answers a preview the source refuses with 502 and its reason, and bad previews with the envelope', async () => {
    const s = await startRestJsonSource(makePeople(3), { kind: 'page' });
    closers.push(() => s.close());
    const connection = await createConnection(t, { provider: 'rest-json', settings: settingsFor(s.url, 'page'), secrets: { auth_value: 'not-the-key-secret' } });
    const before = await t.snapshot();
    const preview = (id: string, q = '') => request(t.app).post(`${API}/admin/sync/connections/${id}/preview${q}`).set('authorization', bearer(t.admin));
    const refused = await preview(connection.id);
    expectError(refused, 502, 'EXT_003');
    expect(refused.body.error.message).toMatch(/answered 401/);
    expect(JSON.stringify(refused.body)).not.toContain('not-the-key-secret');
    expectError(await preview(crypto.randomUUID()), 404, 'BIZ_001');
    expectError(await preview(connection.id, '?limit=0'), 422, 'VAL_003');
    expect(await t.snapshot()).toEqual(before);
  });

  it('lists jobs with filters and pagination, and refuses bad filters', async () => {
    const { connection } = await source(makePeople(2, 'list-'));
    const job = await runToEnd(t, connection.id);
    const res = await request(t.app).get(`${API}/admin/sync/jobs?connection_id=${connection.id}&limit=5`).set('authorization', bearer(t.admin));
    expect(res.status).toBe(200);
    expect(res.body.data.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect(res.body.meta.pagination).toMatchObject({ total: 1, limit: 5, has_next: false });
    expectError(await request(t.app).get(`${API}/admin/sync/jobs?status=exploded`).set('authorization', bearer(t.admin)), 422, 'VAL_002');
    expectError(await request(t.app).get(`${API}/admin/sync/jobs?limit=1000`).set('authorization', bearer(t.admin)), 422, 'VAL_003');
    expectError(await request(t.app).get(`${API}/admin/sync/jobs/${crypto.randomUUID()}`).set('authorization', bearer(t.admin)), 404, 'BIZ_001');
  });

  it('refuses to run an unknown or disabled connection and creates no job', async () => {
    const { connection } = await source(makePeople(1, 'off-'));
    await request(t.app).patch(`${API}/admin/sync/connections/${connection.id}`).set('authorization', bearer(t.admin)).send({ enabled: false });
    const before = await t.snapshot();
    const run = (id: string, body: object = {}) => request(t.app).post(`${API}/admin/sync/connections/${id}/run`).set('authorization', bearer(t.admin)).send(body);
    expectError(await run(connection.id), 422, 'BIZ_003');
    expectError(await run(crypto.randomUUID()), 404, 'BIZ_001');
    expectError(await run(connection.id, { mode: 'sideways' }), 422, 'VAL_002');
    expectError(await run(connection.id, { mode: 'full', force: true }), 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
  });
});
