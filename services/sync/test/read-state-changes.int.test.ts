import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationReadStateChanged } from '@platform/shared/events';
import { changeRows, events, publish } from './change-feed-helpers.ts';
import { startFakeUserLookup, type FakeUserLookup } from './fakes/fake-user-lookup.ts';
import { API, bearer, startTestApp, waitFor, type TestApp } from './helpers.ts';

let t: TestApp;
let users: FakeUserLookup;
beforeAll(async () => {
  users = await startFakeUserLookup();
  t = await startTestApp({ userServiceUrl: users.url });
  await t.startChangeFeed({ retryDelaysMs: [100, 200], maxAttempts: 100 });
});
afterAll(async () => {
  await t.stop();
  await users.close();
});

const readState = (userId: string, ids: string[], read: boolean, changedAt: string) => notificationReadStateChanged.create(
  { user_id: userId, notification_ids: ids, read, changed_at: changedAt }, { source: 'notification', subject: userId });
const processed = (eventId: string) => waitFor(async () => (await t.rows('SELECT 1 FROM sync.inbox WHERE event_id = $1', [eventId])).length > 0, { what: `event ${eventId}` });
const send = async (e: Parameters<typeof publish>[1]) => { await publish(t, e); await processed(e.id); };
const notificationChanges = async (userId: string) =>
  (await changeRows(t)).filter((c) => c.entity === 'notification' && c.user_id === userId);

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();

describe('notification.read_state_changed in the change feed', () => {
  it('writes one notification upsert per id, owned by the user, seen in their /sync/changes and the service feed', async () => {
    const me = randomUUID();
    const other = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const e = readState(me, [a, b], true, at(1));
    await send(e);

    const rows = await notificationChanges(me);
    expect(rows.map((r) => [r.entity_id, r.op, r.event_id, r.data])).toEqual([
      [a, 'upsert', e.id, { id: a, read: true, read_at: at(1), changed_at: at(1) }],
      [b, 'upsert', e.id, { id: b, read: true, read_at: at(1), changed_at: at(1) }],
    ]);

    const mine = await request(t.app).get(`${API}/sync/changes`).set('authorization', bearer(t.token('user', me)));
    expect(mine.status).toBe(200);
    expect(mine.body.data.filter((c: { entity: string }) => c.entity === 'notification')).toEqual([
      expect.objectContaining({ entity: 'notification', entity_id: a, user_id: me, op: 'upsert', data: { id: a, read: true, read_at: at(1), changed_at: at(1) } }),
      expect.objectContaining({ entity: 'notification', entity_id: b, user_id: me }),
    ]);
    const theirs = await request(t.app).get(`${API}/sync/changes`).set('authorization', bearer(t.token('user', other)));
    expect(theirs.body.data).toEqual([]);
    const service = await request(t.app).get(`${API}/services/users/sync?limit=100`).set('authorization', bearer(t.token('service')));
    expect(service.body.data.filter((c: { user_id: string }) => c.user_id === me).map((c: { entity_id: string }) => c.entity_id)).toEqual([a, b]);
  });

  it('writes unread with read_at null, once per redelivery, and skips a repeat or an older state arriving late', async () => {
    const me = randomUUID();
    const n = randomUUID();
    await send(readState(me, [n], true, at(1)));
    const unread = readState(me, [n], false, at(2));
    await publish(t, unread);
    await send(unread);
    await send(readState(me, [n], false, at(2)));
    // A "read" changed before the "unread" but delivered after it does not undo it.
    await send(readState(me, [n], true, at(0)));

    const rows = await notificationChanges(me);
    expect(rows.map((r) => r.data)).toEqual([
      { id: n, read: true, read_at: at(1), changed_at: at(1) },
      { id: n, read: false, read_at: null, changed_at: at(2) },
    ]);
  });

  it('records nothing for all: true (it names no notification) nor after the user\'s tombstone', async () => {
    const me = randomUUID();
    const all = notificationReadStateChanged.create(
      { user_id: me, all: true, read: true, changed_at: at(1) }, { source: 'notification', subject: me });
    await send(all);
    expect(await notificationChanges(me)).toEqual([]);

    users.put(me);
    await send(events.userDeleted(me));
    await send(readState(me, [randomUUID()], true, at(3)));
    expect(await notificationChanges(me)).toEqual([]);
  });

  it('on user.deleted erases the user\'s notification changes with their other changes', async () => {
    const me = randomUUID();
    await send(readState(me, [randomUUID()], true, at(1)));
    expect(await notificationChanges(me)).toHaveLength(1);
    await send(events.userDeleted(me));
    expect(await notificationChanges(me)).toEqual([]);
  });
});
