// The change feed through the front door, on the real platform (`npm start`'s launcher): people
// register, the sync service consumes user.created / user.updated, fetches each record from the
// user service with its service token, and the feed shows each person their own changes, by cursor
// and live over SSE (resumed with Last-Event-ID); a service client (key-auth + its token) reads
// everyone's.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../services/sync/test/fakes/sse-client.ts';
import { call, type Reply } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const root = new URL('..', import.meta.url).pathname;
const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const DEV_USER_CLIENT = { client_id: 'user', client_secret: 'dev-user-secret-123456' };
const PASSWORD = 'Change-Feed-Passw0rd!';
const tag = `cf${randomBytes(3).toString('hex')}`;
let platform: PlatformProcess;

type Account = { id: string; token: string };
type FeedChange = { id: number; entity: string; entity_id: string; user_id: string; op: string; data: Record<string, unknown> | null };

async function register(name: string): Promise<Account> {
  const res = await call('POST', `${api}/public/auth/register`, { body: { email: `${tag}-${name}@example.com`, password: PASSWORD, display_name: `${tag} ${name}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.user.id, token: res.body.data.access_token };
}

/** Pages the feed from `since` to the end. */
async function readFeed(path: string, opts: { token: string; headers?: Record<string, string> }, since?: number) {
  const changes: FeedChange[] = [];
  let cursor = since;
  for (;;) {
    const res: Reply = await call('GET', `${api}${path}?limit=2${cursor === undefined ? '' : `&since=${cursor}`}`, opts);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    changes.push(...res.body.data);
    cursor = res.body.meta.next_cursor;
    if (!res.body.meta.has_more) return { changes, cursor: cursor! };
  }
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  platform = await startPlatform({ LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await platform?.stop();
});

describe('the change feed through the gateway', () => {
  it('shows each person their own changes by cursor and live, and a service client everyone\'s', async () => {
    const alice = await register('alice');
    const bob = await register('bob');

    // user.created → the record fetched from the user service → alice's feed.
    const first = await eventually(async () => {
      const feed = await readFeed('/sync/changes', { token: alice.token });
      return feed.changes.some((c) => c.entity === 'user') ? feed : undefined;
    }, 'alice\'s user change');
    expect(first.changes.every((c) => c.user_id === alice.id)).toBe(true);
    expect(first.changes.find((c) => c.entity === 'user')).toMatchObject({
      entity_id: alice.id, op: 'upsert', data: { id: alice.id, display_name: `${tag} alice`, email: `${tag}-alice@example.com` },
    });

    // Live: a stream from her cursor gets the next change, and a reconnect with its id misses nothing.
    const stream = await openSse(`${api}/sync/stream`, { authorization: `Bearer ${alice.token}`, 'last-event-id': String(first.cursor) });
    expect(stream.status).toBe(200);
    const patched = await call('PATCH', `${api}/users/${alice.id}`, { token: alice.token, body: { bio: 'first bio' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await stream.waitFor((s) => s.events.length >= 1, 30_000);
    const live = JSON.parse(stream.events[0]!.data) as FeedChange;
    expect(live).toMatchObject({ entity: 'user', entity_id: alice.id, op: 'upsert', data: { bio: 'first bio' } });
    expect(stream.events[0]!.id).toBe(String(live.id));
    stream.close();

    await call('PATCH', `${api}/users/${alice.id}`, { token: alice.token, body: { bio: 'second bio' } });
    const resumed = await openSse(`${api}/sync/stream`, { authorization: `Bearer ${alice.token}`, 'last-event-id': String(live.id) });
    await resumed.waitFor((s) => s.events.length >= 1, 30_000);
    expect(JSON.parse(resumed.events[0]!.data)).toMatchObject({ data: { bio: 'second bio' } });
    resumed.close();
    const byCursor = await readFeed('/sync/changes', { token: alice.token }, first.cursor);
    expect(byCursor.changes.map((c) => c.data?.bio)).toEqual(['first bio', 'second bio']);

    // A service client: its key at the gateway and its client_credentials token at the service.
    const key = (JSON.parse(readFileSync(`${root}.data/dev-keys/service-api-keys.json`, 'utf8')) as Record<string, string>).user!;
    const tokenRes = await call('POST', `${api}/public/auth/token`, { body: { grant_type: 'client_credentials', ...DEV_USER_CLIENT } });
    const serviceToken = tokenRes.body.data.access_token as string;
    const everyone = await readFeed('/services/users/sync', { token: serviceToken, headers: { 'x-api-key': key } });
    const owners = new Set(everyone.changes.map((c) => c.user_id));
    expect(owners.has(alice.id) && owners.has(bob.id)).toBe(true);
    const ids = everyone.changes.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    // Without the key the gateway refuses; with the key but a user token the service does.
    expect((await call('GET', `${api}/services/users/sync`, { token: serviceToken })).status).toBe(401);
    const asUser = await call('GET', `${api}/services/users/sync`, { token: alice.token, headers: { 'x-api-key': key } });
    expect(asUser.status).toBe(403);
    expect(asUser.body.error.code).toBe('AUTH_003');
  });
});
