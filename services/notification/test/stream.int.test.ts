import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../src/usecases/notify.ts';
import { sleep, startTestApp, waitFor, type TestApp } from './helpers.ts';
import { openSse } from './support/sse-client.ts';
import type { TestActor } from './support/tokens.ts';

// GET /notifications/stream over a real socket: live pushes through Redis pub/sub, heartbeats,
// Last-Event-ID resume without gaps or duplicates, and cleanup.
let t: TestApp;
let server: Server;
let base = '';
beforeAll(async () => {
  t = await startTestApp({ SSE_HEARTBEAT_MS: '100', SSE_MAX_STREAMS_PER_USER: '3' }, { consumers: false });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await t?.stop();
});

const user = (): TestActor => ({ id: randomUUID(), role: 'user' });
const stream = (actor: TestActor, headers: Record<string, string> = {}) =>
  openSse(`${base}/notifications/stream`, { authorization: t.bearer(actor), ...headers });

async function push(userId: string, title: string) {
  const event = await t.deps.runInScope((scope) => notify(t.deps, scope, {
    userId, category: 'account', type: 'welcome', title, body: `${title} body`, eventId: randomUUID(),
  }));
  return event!.notification!;
}

describe('GET /notifications/stream', () => {
  it('pushes the caller\'s new notifications live with the seq as event id, and heartbeats', async () => {
    const me = user();
    const other = user();
    const s = await stream(me);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('text/event-stream');
    expect(s.headers.get('cache-control')).toContain('no-cache');

    const n = await push(me.id, 'Hello live');
    await push(other.id, 'Not yours');
    const [event] = await s.waitForEvents(1);
    expect(event).toMatchObject({ id: n.seq, event: 'notification' });
    expect(JSON.parse(event!.data)).toMatchObject({ id: n.id, seq: Number(n.seq), title: 'Hello live', read: false });
    await waitFor(() => s.comments.includes('ping'), { what: 'a heartbeat' });
    await sleep(150);
    expect(s.events).toHaveLength(1);
    s.close();
  });

  it('resumes after Last-Event-ID: the missed ones exactly once, in order, then live ones', async () => {
    const me = user();
    const first = await stream(me);
    const a = await push(me.id, 'A');
    await first.waitForEvents(1);
    const lastId = first.events.at(-1)!.id!;
    first.close();

    const b = await push(me.id, 'B');
    const c = await push(me.id, 'C');
    const again = await stream(me, { 'last-event-id': lastId });
    const d = await push(me.id, 'D');
    await again.waitForEvents(3);
    await sleep(200);
    expect(again.events.map((e) => e.id)).toEqual([b.seq, c.seq, d.seq]);
    expect(again.events.map((e) => JSON.parse(e.data).title)).toEqual(['B', 'C', 'D']);
    again.close();

    // Resuming from before A replays all four, each once.
    const all = await stream(me, { 'last-event-id': String(Number(a.seq) - 1) });
    await all.waitForEvents(4);
    await sleep(150);
    expect(all.events.map((e) => JSON.parse(e.data).title)).toEqual(['A', 'B', 'C', 'D']);
    all.close();
  });

  it('loses nothing pushed while the backfill is being read', async () => {
    const me = user();
    const seqs: string[] = [];
    for (let i = 0; i < 30; i++) seqs.push((await push(me.id, `old ${i}`)).seq);
    const pushing = (async () => { for (let i = 0; i < 20; i++) seqs.push((await push(me.id, `new ${i}`)).seq); })();
    const s = await stream(me, { 'last-event-id': '0' });
    await pushing;
    await s.waitForEvents(50);
    await sleep(200);
    expect(s.events.map((e) => e.id)).toHaveLength(50);
    expect(new Set(s.events.map((e) => e.id))).toEqual(new Set(seqs));
    s.close();
  });

  it('catches up from the database after the Redis subscriber reconnects (messages published meanwhile were lost)', async () => {
    const me = user();
    const s = await stream(me);
    await push(me.id, 'before');
    await s.waitForEvents(1);
    t.channels.subscriber.disconnect();
    await waitFor(() => t.channels.subscriber.status === 'end', { what: 'the subscriber closed' });
    await push(me.id, 'while away 1');
    await push(me.id, 'while away 2');
    await t.channels.subscriber.connect();
    await s.waitForEvents(3);
    await push(me.id, 'after');
    await s.waitForEvents(4);
    await sleep(200);
    expect(s.events.map((e) => JSON.parse(e.data).title)).toEqual(['before', 'while away 1', 'while away 2', 'after']);
    s.close();
  });

  it('refuses a bad Last-Event-ID, missing or bad tokens, and too many streams, with the error envelope', async () => {
    const me = user();
    const bad = await stream(me, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body)).toMatchObject({ success: false, error: { code: 'VAL_002' } });
    const anon = await openSse(`${base}/notifications/stream`, {});
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ success: false, error: { code: 'AUTH_001' } });
    const forged = await openSse(`${base}/notifications/stream`, { authorization: t.tokens.forged(me) });
    expect(forged.status).toBe(401);

    const open = [await stream(me), await stream(me), await stream(me)];
    const fourth = await stream(me);
    expect(fourth.status).toBe(422);
    expect(JSON.parse(fourth.body)).toMatchObject({ error: { code: 'BIZ_003' } });
    for (const s of open) s.close();
  });

  it('forgets a stream when its client goes away, and ends every stream on shutdown', async () => {
    const me = user();
    // The earlier tests' streams are closed by now (their clients went away).
    await waitFor(() => t.channels.openStreams() === 0, { what: 'no open streams' });
    const before = 0;
    const s = await stream(me);
    await waitFor(() => t.channels.openStreams() === before + 1);
    s.close();
    await waitFor(() => t.channels.openStreams() === before, { what: 'the stream forgotten' });

    const last = await stream(me);
    await waitFor(() => t.channels.openStreams() === before + 1);
    await t.channels.stop();
    await last.ended;
    expect(t.channels.openStreams()).toBe(0);
  });
});
