import { describe, expect, it } from 'vitest';
import { sameData, userFeedData, userUpsertNeeded } from '../src/domain/change.ts';
import { changesQuery, sinceOf } from '../src/http/change-schemas.ts';
import type { Change } from '../src/domain/change.ts';
import type { ChangeLog } from '../src/usecases/change-feed-ports.ts';
import { readChanges } from '../src/usecases/read-changes.ts';

const change = (id: number, userId = 'u1'): Change => ({
  id, entity: 'file', entityId: `f${id}`, userId, op: 'upsert', data: {}, eventId: `e${id}`, occurredAt: new Date(0), createdAt: new Date(0),
});

/** A log of ids 1..n with a watermark, answering page() as the Postgres one does. */
function fakeLog(rows: Change[], prunedThrough = 0): ChangeLog {
  return {
    page: async (_db, { after, userId, limit }) => ({
      rows: rows.filter((r) => r.id > after && (!userId || r.userId === userId)).slice(0, limit).map((r) => ({ id: r.id, userId: r.userId, json: JSON.stringify({ id: r.id }) })),
      head: Math.max(prunedThrough, ...rows.map((r) => r.id)),
      prunedThrough,
    }),
  } as ChangeLog;
}

describe('which user records the feed writes', () => {
  const latest = (data: Record<string, unknown> | null, op: 'upsert' | 'delete' = 'upsert') => ({ op, data });

  it('writes the first record, a newer version and a changed record of the same version', () => {
    expect(userUpsertNeeded(null, { version: 1 })).toBe(true);
    expect(userUpsertNeeded(latest({ version: 1, name: 'a' }), { version: 2, name: 'b' })).toBe(true);
    expect(userUpsertNeeded(latest({ version: 2, status: 'active' }), { version: 2, status: 'banned' })).toBe(true);
  });

  it('skips a repeat, an older version and anything after a tombstone', () => {
    expect(userUpsertNeeded(latest({ version: 2, b: [1, { c: 2 }], a: 1 }), { a: 1, b: [1, { c: 2 }], version: 2 })).toBe(false);
    expect(userUpsertNeeded(latest({ version: 3 }), { version: 2 })).toBe(false);
    // Same version, an older lookup finishing last.
    expect(userUpsertNeeded(latest({ version: 2, status: 'banned', updated_at: '2026-01-02T00:00:00.000Z' }), { version: 2, status: 'active', updated_at: '2026-01-01T00:00:00.000Z' })).toBe(false);
    expect(userUpsertNeeded(latest({ version: 2, status: 'active', updated_at: '2026-01-01T00:00:00.000Z' }), { version: 2, status: 'banned', updated_at: '2026-01-02T00:00:00.000Z' })).toBe(true);
    expect(userUpsertNeeded(latest(null, 'delete'), { version: 9 })).toBe(false);
  });

  it('keeps only the feed\'s fields of a user record', () => {
    expect(userFeedData({ id: 'x', email: 'e', ban_reason: 'r', external_id: '1', created_by: null, version: 1 })).toEqual({ id: 'x', email: 'e', version: 1 });
  });

  it('compares JSON values by content', () => {
    expect(sameData({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(sameData({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData([], {})).toBe(false);
  });
});

describe('reading a page', () => {
  const rows = [1, 2, 3, 4, 5].map((id) => change(id, id % 2 ? 'u1' : 'u2'));
  const deps = (log: ChangeLog) => ({ db: {} as never, changes: log, retentionDays: 30 });

  it('returns limit changes and has_more, then the rest with the head as the cursor', async () => {
    const first = await readChanges(deps(fakeLog(rows)), { since: { after: 0 }, limit: 2, userId: null });
    expect(first).toMatchObject({ hasMore: true, nextCursor: 2 });
    expect(first.items.map((c) => c.id)).toEqual([1, 2]);
    const rest = await readChanges(deps(fakeLog(rows)), { since: { after: 2 }, limit: 10, userId: null });
    expect(rest).toMatchObject({ hasMore: false, nextCursor: 5 });
  });

  it('moves a user\'s cursor to the head when their changes stop earlier', async () => {
    const page = await readChanges(deps(fakeLog(rows)), { since: { after: 0 }, limit: 10, userId: 'u2' });
    expect(page.items.map((c) => c.id)).toEqual([2, 4]);
    expect(page.nextCursor).toBe(5);
  });

  it('answers since=latest with the head and no changes', async () => {
    expect(await readChanges(deps(fakeLog(rows)), { since: 'latest', limit: 10, userId: null })).toEqual({ items: [], nextCursor: 5, hasMore: false });
  });

  it('refuses a cursor below the retention watermark with 410 BIZ_001, but not the oldest or the watermark itself', async () => {
    const log = fakeLog(rows.slice(2), 2);
    await expect(readChanges(deps(log), { since: { after: 1 }, limit: 10, userId: null })).rejects.toMatchObject({ code: 'BIZ_001', status: 410 });
    expect((await readChanges(deps(log), { since: { after: 2 }, limit: 10, userId: null })).items).toHaveLength(3);
    expect((await readChanges(deps(log), { since: 'oldest', limit: 10, userId: null })).items).toHaveLength(3);
  });
});

describe('the feed query', () => {
  it('accepts cursors, latest and limits up to 1000', () => {
    expect(changesQuery.parse({ since: '42', limit: '1000' })).toEqual({ since: '42', limit: 1000 });
    expect(sinceOf(undefined)).toBe('oldest');
    expect(sinceOf('latest')).toBe('latest');
    expect(sinceOf('7')).toEqual({ after: 7 });
  });

  it.each([['since', '-1'], ['since', '1e3'], ['since', '1234567890123456'], ['limit', '0'], ['limit', '1001'], ['limit', '2.5']])('refuses %s=%s', (key, value) => {
    expect(changesQuery.safeParse({ [key]: value }).success).toBe(false);
  });
});
