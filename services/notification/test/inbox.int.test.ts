import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationInput } from '../src/domain/notification.ts';
import { notify } from '../src/usecases/notify.ts';
import { API, expectError, startTestApp, waitFor, type TestApp } from './helpers.ts';
import type { TestActor } from './support/tokens.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({}, { consumers: false }); });
afterAll(() => t?.stop());

const user = (): TestActor => ({ id: randomUUID(), role: 'user' });

async function seed(userId: string, n: number, extra: Partial<NotificationInput> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const event = await t.deps.runInScope((scope) => notify(t.deps, scope, {
      userId, category: 'files', type: 'large_upload', title: `Upload ${i}`, body: `File ${i} is stored`, data: { i }, eventId: randomUUID(), ...extra,
    }));
    ids.push(event!.notification!.id);
  }
  return ids;
}

const get = (actor: TestActor, path: string) => request(t.app).get(`${API}${path}`).set('authorization', t.bearer(actor));

describe('GET /notifications', () => {
  it('lists the caller\'s notifications newest first, paginated, filtered by unread, with the unread count', async () => {
    const me = user();
    const ids = await seed(me.id, 5);
    await seed(user().id, 2);
    await t.db.pool.query('UPDATE notifications.notifications SET read_at = now() WHERE id = ANY($1)', [[ids[0], ids[1]]]);

    const page = await get(me, '/notifications?limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.body.data.map((n: { id: string }) => n.id)).toEqual([ids[3], ids[2]]);
    expect(page.body.meta.pagination).toEqual({ limit: 2, offset: 1, total: 5, has_next: true, has_prev: true });
    expect(page.body.data[0]).toEqual({
      id: ids[3], seq: expect.any(Number), category: 'files', type: 'large_upload', title: 'Upload 3', body: 'File 3 is stored',
      data: { i: 3 }, read: false, read_at: null, created_at: expect.any(String),
    });

    const unread = await get(me, '/notifications?unread=true');
    expect(unread.body.data.map((n: { id: string }) => n.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(unread.body.meta.pagination.total).toBe(3);
    const read = await get(me, '/notifications?unread=false');
    expect(read.body.data.map((n: { id: string }) => n.id)).toEqual([ids[1], ids[0]]);
    expect((await get(me, '/notifications/unread-count')).body.data).toEqual({ unread_count: 3 });
    expect((await get(user(), '/notifications')).body).toMatchObject({ data: [], meta: { pagination: { total: 0 } } });
  });

  it('refuses bad queries with the error envelope', async () => {
    const me = user();
    expectError(await get(me, '/notifications?unread=maybe'), 422, 'VAL_002');
    expectError(await get(me, '/notifications?limit=0'), 422, 'VAL_003');
    expectError(await get(me, '/notifications?limit=101'), 422, 'VAL_003');
    expectError(await get(me, '/notifications?sort=title'), 400, 'VAL_001');
    expectError(await request(t.app).get(`${API}/notifications`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/notifications`).set('authorization', t.tokens.forged(me)), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/notifications`).set('authorization', t.bearer({ id: 'user', role: 'service' })), 403, 'AUTH_003');
  });
});

describe('PATCH /notifications/:id and POST /notifications/read-all', () => {
  it('marks one read and unread again, keeping the first read time while read', async () => {
    const me = user();
    const [id] = await seed(me.id, 1);
    const patch = (body: unknown) => request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer(me)).send(body as object);
    const read = await patch({ read: true });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id, read: true, read_at: expect.any(String) });
    expect((await patch({ read: true })).body.data.read_at).toBe(read.body.data.read_at);
    const unread = await patch({ read: false });
    expect(unread.body.data).toMatchObject({ read: false, read_at: null });
  });

  it('keeps other users\' notifications out of reach (404) and unchanged, and refuses bad input', async () => {
    const owner = user();
    const other = user();
    const [id] = await seed(owner.id, 1);
    // Earlier tests' read-state events leave the outbox first: the relay must not change the snapshot.
    await waitFor(async () => (await t.db.pool.query('SELECT 1 FROM notifications.outbox WHERE sent_at IS NULL')).rowCount === 0, { what: 'an empty outbox' });
    const before = await t.snapshot();
    const res = await request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer(other)).send({ read: true });
    expectError(res, 404, 'BIZ_001');
    expect(JSON.stringify(res.body)).not.toContain('Upload');
    expectError(await request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer({ id: randomUUID(), role: 'admin' })).send({ read: true }), 404, 'BIZ_001');
    expectError(await request(t.app).patch(`${API}/notifications/${randomUUID()}`).set('authorization', t.bearer(owner)).send({ read: true }), 404, 'BIZ_001');
    expectError(await request(t.app).patch(`${API}/notifications/not-a-uuid`).set('authorization', t.bearer(owner)).send({ read: true }), 422, 'VAL_002');
    for (const body of [{}, { read: 'yes' }, { read: true, title: 'x' }, { read: null }]) {
      expectError(await request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer(owner)).send(body), 400, 'VAL_001');
    }
    expectError(await request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer(owner)).set('content-type', 'application/json').send('{"read":'), 400, 'VAL_001');
    expectError(await request(t.app).post(`${API}/notifications/read-all`).set('authorization', t.bearer(owner)).send({ before: 'x' }), 400, 'VAL_001');
    expectError(await request(t.app).patch(`${API}/notifications/${id}`).send({ read: true }), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('marks all of the caller\'s unread notifications read and no one else\'s', async () => {
    const me = user();
    const other = user();
    await seed(me.id, 3);
    await seed(other.id, 2);
    const res = await request(t.app).post(`${API}/notifications/read-all`).set('authorization', t.bearer(me));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ updated: 3 });
    expect((await get(me, '/notifications/unread-count')).body.data.unread_count).toBe(0);
    expect((await get(other, '/notifications/unread-count')).body.data.unread_count).toBe(2);
    expect((await request(t.app).post(`${API}/notifications/read-all`).set('authorization', t.bearer(me)).send({})).body.data).toEqual({ updated: 0 });
  });
});
