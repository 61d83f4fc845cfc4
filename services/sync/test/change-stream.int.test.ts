import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendChanges, events, publish } from './change-feed-helpers.ts';
import { startFakeUserLookup, type FakeUserLookup } from './fakes/fake-user-lookup.ts';
import { openSse, type SseStream } from './fakes/sse-client.ts';
import { API, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let users: FakeUserLookup;
let server: Server;
let base: string;
const open: SseStream[] = [];

beforeAll(async () => {
  users = await startFakeUserLookup();
  // No polling here: changes must reach open streams through the hints alone.
  t = await startTestApp({ userServiceUrl: users.url, env: { CHANGE_STREAM_POLL_MS: '600000' } });
  await t.startChangeFeed({ retryDelaysMs: [100, 200], maxAttempts: 100 });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}`;
});
afterAll(async () => {
  for (const s of open) s.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.stop();
  await users.close();
});

const stream = async (path: string, token: string, extra: Record<string, string> = {}) => {
  const s = await openSse(`${base}${path}`, { authorization: `Bearer ${token}`, ...extra });
  open.push(s);
  return s;
};
const changeIds = (s: SseStream) => s.events.filter((e) => e.event === 'change').map((e) => Number(e.id));
const dataOf = (s: SseStream) => s.events.map((e) => JSON.parse(e.data) as { id: number; entity: string; user_id: string; op: string });
const head = async () => (await t.changeFeed.changes.page(t.db.pool, { after: Number.MAX_SAFE_INTEGER, userId: null, limit: 1 })).head;

describe('GET /sync/stream', () => {
  it('backfills from Last-Event-ID, then goes live; a reconnect with the last id gets every change exactly once', async () => {
    const me = randomUUID();
    const other = randomUUID();
    const token = t.token('user', me);
    const start = await head();
    const backlog = await appendChanges(t, [
      { entity: 'user', entityId: me, userId: me }, { entity: 'file', userId: other }, { entity: 'file', userId: me },
    ]);
    const first = await stream('/sync/stream', token, { 'last-event-id': String(start) });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    await first.waitFor((s) => s.events.length >= 2);
    expect(changeIds(first)).toEqual([backlog[0], backlog[2]]);
    expect(dataOf(first).every((c) => c.user_id === me)).toBe(true);

    // Live: a change written by the consumer (from an event) arrives without polling the client.
    users.put(me, { display_name: 'Live' });
    const e = events.userUpdated(me);
    await publish(t, e);
    await first.waitFor((s) => s.events.length >= 3);
    expect(dataOf(first)[2]).toMatchObject({ entity: 'user', op: 'upsert', user_id: me, data: { display_name: 'Live' } });
    const liveIds = changeIds(first);

    // Disconnect; more changes meanwhile (and others' changes); reconnect with the last id received.
    first.close();
    const missed = [
      ...await appendChanges(t, [{ entity: 'file', userId: me }]),
      ...await appendChanges(t, [{ entity: 'file', userId: other }]),
      ...await appendChanges(t, [{ entity: 'file', userId: me, op: 'delete', data: null }]),
    ];
    const second = await stream('/sync/stream', token, { 'last-event-id': first.lastEventId()! });
    await second.waitFor((s) => s.events.length >= 2);
    const after = await appendChanges(t, [{ entity: 'file', userId: me }]);
    await second.waitFor((s) => s.events.length >= 3);
    await new Promise((r) => setTimeout(r, 400));

    const all = [...liveIds, ...changeIds(second)];
    expect(all).toEqual([backlog[0], backlog[2], liveIds[2], missed[0], missed[2], after[0]]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('starts from now without a cursor and from ?since= when given; heartbeats move Last-Event-ID past others\' changes', async () => {
    const me = randomUUID();
    const token = t.token('user', me);
    const [old] = await appendChanges(t, [{ entity: 'file', userId: me }]);
    const live = await stream('/sync/stream', token);
    const withSince = await stream(`/sync/stream?since=${old! - 1}`, token);
    await withSince.waitFor((s) => s.events.length >= 1);
    expect(changeIds(withSince)).toEqual([old]);
    await appendChanges(t, [{ entity: 'file', userId: randomUUID() }]);
    const [mine] = await appendChanges(t, [{ entity: 'file', userId: me }]);
    await live.waitFor((s) => s.events.length >= 1);
    expect(changeIds(live)).toEqual([mine]);

    // A user with no changes since their cursor: no events, but the heartbeat (300 ms in tests)
    // carries the head as an id-only frame, so their next resume starts there.
    const idle = await stream(`/sync/stream?since=${old! - 1}`, t.token('user', randomUUID()));
    const top = await head();
    await idle.waitFor((s) => Number(s.lastEventId()) >= top, 3_000);
    expect(idle.events).toEqual([]);
    expect(idle.comments).toBeGreaterThan(0);
  });

  it('refuses a bad or expired Last-Event-ID and an anonymous caller with the error envelope', async () => {
    const token = t.token('user');
    const bad = await stream('/sync/stream', token, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body)).toMatchObject({ success: false, error: { code: 'VAL_002' } });
    const badSince = await stream('/sync/stream?since=x', token);
    expect(badSince.status).toBe(422);
    const unknown = await stream('/sync/stream?limit=5', token);
    expect(JSON.parse(unknown.body)).toMatchObject({ status_code: 400, error: { code: 'VAL_001' } });

    await t.rows('UPDATE sync.change_feed_state SET pruned_through = GREATEST(pruned_through, 5)');
    const expired = await stream('/sync/stream', token, { 'last-event-id': '1' });
    expect(expired.status).toBe(410);
    expect(JSON.parse(expired.body)).toMatchObject({ error: { code: 'BIZ_001', message: expect.stringMatching(/resync fully/) } });

    const anonymous = await openSse(`${base}/sync/stream`, {});
    expect(anonymous.status).toBe(401);
    const service = await stream('/sync/stream', t.token('service'));
    expect(service.status).toBe(403);
  });
});

describe('GET /services/users/sync/stream', () => {
  it('streams every user\'s changes to a service account, and refuses end users', async () => {
    const from = await head();
    const s = await stream('/services/users/sync/stream', t.token('service'), { 'last-event-id': String(from) });
    const ids = await appendChanges(t, [{ entity: 'file', userId: randomUUID() }, { entity: 'file', userId: randomUUID() }]);
    await s.waitFor((x) => x.events.length >= 2);
    expect(changeIds(s)).toEqual(ids);
    const user = await stream('/services/users/sync/stream', t.token('user'));
    expect(user.status).toBe(403);
  });
});
