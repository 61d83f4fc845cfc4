import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendChanges, readAll } from './change-feed-helpers.ts';
import { API, bearer, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t.stop());

const userA = randomUUID();
const userB = randomUUID();

const feed = (token: string, path = '/sync/changes') => (since?: number | string, limit?: number | string) => {
  const q = new URLSearchParams();
  if (since !== undefined) q.set('since', String(since));
  if (limit !== undefined) q.set('limit', String(limit));
  return request(t.app).get(`${API}${path}?${q}`).set('authorization', bearer(token));
};
const serviceFeed = () => feed(t.token('service'), '/services/users/sync');
const changesTable = () => t.rows('SELECT * FROM sync.changes ORDER BY id');

describe('reading the change feed', () => {
  it('returns every change exactly once, in order, across pages; a user sees only their own', async () => {
    const head = (await serviceFeed()('latest')).body.meta.next_cursor as number;
    const written: number[] = [];
    for (let i = 0; i < 25; i++) {
      written.push(...await appendChanges(t, [
        { entity: 'user', entityId: userA, userId: userA, data: { i } },
        { entity: 'file', userId: i % 2 ? userA : userB, data: { i } },
        { entity: 'user', entityId: userB, userId: userB, data: { i } },
      ]));
    }
    const all = await readAll((since) => serviceFeed()(since, 7), head);
    expect(all.changes.map((c) => c.id)).toEqual(written);
    expect(all.pages).toBe(Math.ceil(written.length / 7) + (written.length % 7 === 0 ? 1 : 0));
    expect(all.cursor).toBe(written.at(-1));
    expect(all.changes[0]).toMatchObject({ entity: 'user', entity_id: userA, user_id: userA, op: 'upsert', data: { i: 0 } });
    expect(Object.keys(all.changes[0]!).sort()).toEqual(['created_at', 'data', 'entity', 'entity_id', 'id', 'occurred_at', 'op', 'user_id']);
    const [stored] = await t.rows<{ occurred_at: Date; created_at: Date }>('SELECT occurred_at, created_at FROM sync.changes WHERE id = $1', [written[0]]);
    expect(all.changes[0]).toMatchObject({ occurred_at: stored!.occurred_at.toISOString(), created_at: stored!.created_at.toISOString() });

    const own = await readAll((since) => feed(t.token('user', userA))(since, 4), head);
    const ownRows = (await changesTable()).filter((r) => r.user_id === userA && Number(r.id) > head);
    expect(own.changes.map((c) => c.id)).toEqual(ownRows.map((r) => Number(r.id)));
    expect(own.changes.every((c) => (c as unknown as { user_id: string }).user_id === userA)).toBe(true);
  });

  it('answers the envelope with next_cursor and has_more, from the oldest change without since', async () => {
    const res = await serviceFeed()(undefined, 2);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ success: true, status_code: 200, meta: { has_more: true, limit: 2, request_id: expect.any(String) } });
    expect(res.body.data).toHaveLength(2);
    expect(res.body.meta.next_cursor).toBe(res.body.data[1].id);
    // since=latest: nothing, and the head as the cursor to start from (before a full resync).
    const latest = await serviceFeed()('latest');
    expect(latest.body.data).toEqual([]);
    expect(latest.body.meta).toMatchObject({ has_more: false, next_cursor: Number((await changesTable()).at(-1)!.id) });
  });

  it('moves an idle user\'s cursor to the head, so it keeps up with the log', async () => {
    const idle = randomUUID();
    const [mine] = await appendChanges(t, [{ entity: 'user', entityId: idle, userId: idle }]);
    const others = await appendChanges(t, [{ entity: 'file', userId: userA }, { entity: 'file', userId: userB }]);
    const res = await feed(t.token('user', idle))(mine! - 1);
    expect(res.body.data.map((c: { id: number }) => c.id)).toEqual([mine]);
    expect(res.body.meta).toMatchObject({ has_more: false, next_cursor: others.at(-1) });
    const next = await feed(t.token('user', idle))(res.body.meta.next_cursor);
    expect(next.body.data).toEqual([]);
  });

  it('keeps order under concurrent writers: a reader polling while they commit never misses a change', async () => {
    const start = (await serviceFeed()('latest')).body.meta.next_cursor as number;
    let writing = true;
    const seen: number[] = [];
    const reader = (async () => {
      let cursor = start;
      for (;;) {
        const done = !writing;
        const page = await t.changeFeed.changes.page(t.db.pool, { after: cursor, userId: null, limit: 1_000 });
        seen.push(...page.rows.map((r) => r.id));
        cursor = page.rows.at(-1)?.id ?? cursor;
        if (done && page.rows.length === 0) return;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Writers take ids and then stay open for a random while before committing (the classic
    // bigserial hole: a later id commits first).
    const writer = async (w: number) => {
      for (let i = 0; i < 8; i++) {
        const client = await t.db.pool.connect();
        try {
          await client.query('BEGIN');
          await t.changeFeed.changes.append(client, { id: randomUUID(), occurredAt: new Date() }, [{ entity: 'file', entityId: randomUUID(), userId: userA, op: 'upsert', data: { w, i } }]);
          await new Promise((r) => setTimeout(r, Math.random() * 15));
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    writing = false;
    await reader;
    const committed = (await changesTable()).map((r) => Number(r.id)).filter((id) => id > start);
    expect(committed).toHaveLength(48);
    expect(seen).toEqual(committed);
  });

  it('refuses a cursor older than the retention window with 410 and the instruction to resync', async () => {
    const old = await appendChanges(t, [{ entity: 'file', userId: userA }, { entity: 'file', userId: userB }]);
    // Everything so far is older than the window (created_at moved back), then the job prunes it.
    await t.rows(`UPDATE sync.changes SET created_at = now() - interval '31 days' WHERE id <= $1`, [old.at(-1)]);
    const fresh = await appendChanges(t, [{ entity: 'file', userId: userA }]);
    const { startChangePruner } = await import('../src/infra/change-pruner.ts');
    const pruner = startChangePruner({ pool: t.db.pool, changes: t.changeFeed.changes, retentionDays: 30, everyMs: 3_600_000, logger: t.deps.logger });
    expect(await pruner.runOnce()).toBeGreaterThanOrEqual(2);
    await pruner.stop();
    expect((await changesTable()).map((r) => Number(r.id))).toEqual(fresh);

    const gone = await serviceFeed()(old[0]);
    expectError(gone, 410, 'BIZ_001');
    expect(gone.body.error.message).toMatch(/resync fully/);
    expect(gone.body.error.details).toEqual([expect.objectContaining({ field: 'since', issue: 'cursor_expired' })]);
    expectError(await feed(t.token('user', userA))(0), 410, 'BIZ_001');

    // At the watermark nothing is missing; without since the feed starts at the oldest change kept.
    const at = await serviceFeed()(old.at(-1));
    expect(at.body.data.map((c: { id: number }) => c.id)).toEqual(fresh);
    const oldest = await serviceFeed()();
    expect(oldest.body.data.map((c: { id: number }) => c.id)).toEqual(fresh);
  });
});

describe('retention', () => {
  it('prunes in batches with one runner at a time across replicas, in id order, and keeps recent changes', async () => {
    const { startChangePruner } = await import('../src/infra/change-pruner.ts');
    await t.rows(`INSERT INTO sync.changes (entity, entity_id, user_id, op, data, event_id, occurred_at, created_at)
                  SELECT 'file', gen_random_uuid()::text, gen_random_uuid(), 'upsert', '{}', gen_random_uuid(), now(), now() - interval '40 days'
                    FROM generate_series(1, 23000)`);
    const lastOld = (await t.rows<{ max: string }>('SELECT max(id) FROM sync.changes'))[0]!.max;
    const kept = await appendChanges(t, [{ entity: 'file', userId: userA }]);
    const replicas = [1, 2].map(() => startChangePruner({ pool: t.db.pool, changes: t.changeFeed.changes, retentionDays: 30, everyMs: 3_600_000, logger: t.deps.logger }));
    const deleted = await Promise.all(replicas.map((p) => p.runOnce()));
    await Promise.all(replicas.map((p) => p.stop()));
    const n = (await t.rows<{ n: string }>('SELECT count(*) AS n FROM sync.changes WHERE id <= $1', [lastOld]))[0]!.n;
    expect(Number(n)).toBe(0);
    expect(deleted[0]! + deleted[1]!).toBeGreaterThanOrEqual(23_000);
    const [state] = await t.rows<{ pruned_through: string }>('SELECT pruned_through FROM sync.change_feed_state');
    expect(state!.pruned_through).toBe(lastOld);
    expect((await serviceFeed()(Number(lastOld))).body.data.map((c: { id: number }) => c.id)).toEqual(kept);
  });
});

describe('access and bad input', () => {
  it('answers 401 without a token and 403 to the wrong kind of caller', async () => {
    expectError(await request(t.app).get(`${API}/sync/changes`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/services/users/sync`), 401, 'AUTH_001');
    expectError(await feed(t.token('user'), '/services/users/sync')(), 403, 'AUTH_003');
    expectError(await feed(t.token('admin'), '/services/users/sync')(), 403, 'AUTH_003');
    expectError(await feed(t.token('service'))(), 403, 'AUTH_003');
    const admin = await feed(t.token('admin'))();
    expect(admin.status).toBe(200);
  });

  it.each([
    ['a cursor that is not a number', { since: 'abc' }, 422, 'VAL_002'],
    ['a negative cursor', { since: '-1' }, 422, 'VAL_002'],
    ['a cursor with a fraction', { since: '1.5' }, 422, 'VAL_002'],
    ['a limit of 0', { limit: '0' }, 422, 'VAL_003'],
    ['a limit over 1000', { limit: '1001' }, 422, 'VAL_003'],
    ['a limit that is not a number', { limit: 'ten' }, 422, 'VAL_002'],
    ['an unknown parameter', { offset: '10' }, 400, 'VAL_001'],
    ['two cursors', 'since=1&since=2', 400, 'VAL_001'],
  ])('refuses %s with the error envelope and changes nothing', async (_name, query, status, code) => {
    const before = await changesTable();
    for (const [path, token] of [['/sync/changes', t.token('user', userA)], ['/services/users/sync', t.token('service')]] as const) {
      const res = await request(t.app).get(`${API}${path}`).query(query).set('authorization', bearer(token));
      expectError(res, status, code);
    }
    expect(await changesTable()).toEqual(before);
  });
});
