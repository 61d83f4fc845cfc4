import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationReadStateChanged } from '@platform/shared/events';
import { notify } from '../src/usecases/notify.ts';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';
import type { TestActor } from './support/tokens.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({}, { consumers: false }); });
afterAll(() => t?.stop());

const user = (): TestActor => ({ id: randomUUID(), role: 'user' });

async function seed(userId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const event = await t.deps.runInScope((scope) => notify(t.deps, scope, {
      userId, category: 'files', type: 'large_upload', title: `Upload ${i}`, body: `File ${i}`, data: {}, eventId: randomUUID(),
    }));
    ids.push(event!.notification!.id);
  }
  return ids;
}

/** The read-state events of one user in the outbox, oldest first, checked against the catalog. */
async function events(userId: string) {
  const { rows } = await t.db.pool.query<{ envelope: unknown }>(
    `SELECT envelope FROM notifications.outbox WHERE type = $1 AND envelope->'data'->>'user_id' = $2 ORDER BY seq`,
    [notificationReadStateChanged.type, userId]);
  return rows.map((r) => notificationReadStateChanged.parse(r.envelope));
}

const patch = (actor: TestActor, id: string, body: unknown) =>
  request(t.app).patch(`${API}/notifications/${id}`).set('authorization', t.bearer(actor)).send(body as object);
const readAll = (actor: TestActor) => request(t.app).post(`${API}/notifications/read-all`).set('authorization', t.bearer(actor)).send({});

describe('notification.read_state_changed', () => {
  it('is written with a PATCH that changes the read state, and not by one that repeats it', async () => {
    const me = user();
    const [id] = await seed(me.id, 2);
    const read = await patch(me, id!, { read: true });
    expect(read.status).toBe(200);
    expect((await patch(me, id!, { read: true })).status).toBe(200);
    expect((await patch(me, id!, { read: false })).status).toBe(200);
    expect((await patch(me, id!, { read: false })).status).toBe(200);

    const written = await events(me.id);
    expect(written.map((e) => e.data)).toEqual([
      { user_id: me.id, notification_ids: [id], read: true, changed_at: read.body.data.read_at },
      { user_id: me.id, notification_ids: [id], read: false, changed_at: expect.any(String) },
    ]);
    expect(written[0]).toMatchObject({ source: 'notification', subject: me.id });
  });

  it('is written once by read-all with every id it changed, and not when nothing was unread', async () => {
    const me = user();
    const ids = await seed(me.id, 3);
    await patch(me, ids[0]!, { read: true });
    const all = await readAll(me);
    expect(all.body.data).toEqual({ updated: 2 });
    expect((await readAll(me)).body.data).toEqual({ updated: 0 });

    const written = await events(me.id);
    expect(written).toHaveLength(2);
    const last = written[1]!.data as { notification_ids: string[]; read: boolean; changed_at: string };
    expect(last.notification_ids.sort()).toEqual([ids[1], ids[2]].sort());
    expect(last.read).toBe(true);
    const { rows } = await t.db.pool.query<{ read_at: Date }>('SELECT read_at FROM notifications.notifications WHERE id = $1', [ids[1]]);
    expect(new Date(last.changed_at).getTime()).toBe(rows[0]!.read_at.getTime());
  });

  it('splits a read-all of more than 1000 notifications into events of at most 1000 ids', async () => {
    const me = user();
    await t.db.pool.query(
      `INSERT INTO notifications.notifications (user_id, category, type, title, body, data)
       SELECT $1, 'files', 'large_upload', 't', 'b', '{}'::jsonb FROM generate_series(1, 1001)`, [me.id]);
    expect((await readAll(me)).body.data).toEqual({ updated: 1001 });
    const written = await events(me.id);
    expect(written.map((e) => (e.data as { notification_ids: string[] }).notification_ids.length)).toEqual([1000, 1]);
    expect(new Set(written.flatMap((e) => (e.data as { notification_ids: string[] }).notification_ids)).size).toBe(1001);
  });

  it('is not written for another user\'s notification (404) or a refused body', async () => {
    const owner = user();
    const other = user();
    const [id] = await seed(owner.id, 1);
    expectError(await patch(other, id!, { read: true }), 404, 'BIZ_001');
    expectError(await patch(owner, id!, { read: 'yes' }), 400, 'VAL_001');
    expect(await events(owner.id)).toEqual([]);
    expect(await events(other.id)).toEqual([]);
    const { rows } = await t.db.pool.query('SELECT read_at FROM notifications.notifications WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ read_at: null });
  });
});
