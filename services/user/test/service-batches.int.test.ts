import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let accounts: AuthAccounts;
let svc: string;
beforeAll(async () => {
  t = await startTestApp();
  accounts = installAuthAccounts(t);
  svc = t.serviceToken('sync');
});
afterAll(() => t?.stop());

const profile = async (id: string) => (await t.rows('SELECT email, display_name, first_name, last_name, locale, timezone, role, external_source, external_id, version FROM users.users WHERE id = $1', [id]))[0];
const events = async (type: string) => (await t.outbox(type)).map((e) => e.envelope.data);

describe('POST /services/users/batch', () => {
  it('creates identities through auth and profiles here with a result per item; a retry creates nobody twice', async () => {
    const existing = await t.seedUser();
    const [a, b] = [t.email('batch'), t.email('batch')];
    const body = {
      users: [
        { email: a, display_name: 'Batch A', first_name: 'Ann', locale: 'de-AT', timezone: 'Europe/Vienna' },
        { email: 'broken', display_name: 'Bad' },
        { email: existing.email, display_name: 'Exists' },
        { email: b, display_name: 'Batch B', role: 'admin' },
        { email: b, display_name: 'Batch B' },
      ],
    };
    const res = await as(t, svc).post('/services/users/batch', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const results = res.body.data.results as { index: number; status: string; id?: string; error?: { code: string; details: { field: string }[] } }[];
    expect(results.map((r) => [r.index, r.status])).toEqual([[0, 'created'], [1, 'invalid'], [2, 'exists'], [3, 'invalid'], [4, 'created']]);
    expect(res.body.data.summary).toEqual({ created: 2, invalid: 2, exists: 1 });
    expect(results[1]!.error).toMatchObject({ code: 'VAL_002', details: [{ field: 'email' }] });
    expect(results[3]!.error).toMatchObject({ code: 'VAL_001', details: [{ field: 'role' }] }); // services cannot pick a role
    expect(results[2]!.id).toBe(existing.id);
    expect(await profile(results[0]!.id!)).toMatchObject({ email: a, display_name: 'Batch A', first_name: 'Ann', locale: 'de-AT', timezone: 'Europe/Vienna', role: 'user' });
    const created = (await events('user.created')).filter((d) => [results[0]!.id, results[4]!.id].includes(d.user_id as string));
    expect(created).toHaveLength(2);
    expect(accounts.calls().filter((c) => c.method === 'POST').at(-1)?.body).toMatchObject({ source: 'service', invited_by: null });

    const before = await t.snapshot();
    const retry = await as(t, svc).post('/services/users/batch', { users: [body.users[0], body.users[4]] });
    expect(retry.status).toBe(200);
    expect(retry.body.data.results.map((r: { status: string; id: string }) => [r.status, r.id])).toEqual([['exists', results[0]!.id], ['exists', results[4]!.id]]);
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['users not an array', { users: {} }, 400, 'VAL_001'],
    ['an empty list', { users: [] }, 422, 'VAL_003'],
    ['over 1000 users', { users: Array.from({ length: 1001 }, () => ({ email: 'x@y.z', display_name: 'X' })) }, 422, 'VAL_003'],
    ['an unknown field', { users: [{ email: 'x@y.example', display_name: 'X' }], dry_run: true }, 400, 'VAL_001'],
  ])('refuses %s as a whole and creates nothing', async (_l, body, status, code) => {
    const before = await t.snapshot();
    const calls = accounts.calls().length;
    expectError(await as(t, svc).post('/services/users/batch', body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect(accounts.calls()).toHaveLength(calls);
  });

  it('answers 503 and creates nothing when auth is unavailable', async () => {
    accounts.mode = 'fail500';
    try {
      const before = await t.snapshot();
      expectError(await as(t, svc).post('/services/users/batch', { users: [{ email: t.email('down'), display_name: 'Down' }] }), 503, 'EXT_002');
      expect(await t.snapshot()).toEqual(before);
    } finally {
      accounts.mode = 'ok';
    }
  });
});

describe('POST /services/users/bulk-update', () => {
  it('updates profile fields per item: updated, unchanged, not_found, invalid', async () => {
    const u = await t.seedUser({ displayName: 'Old' });
    const same = await t.seedUser({ displayName: 'Same' });
    const gone = await t.seedUser({ status: 'deleted' });
    const res = await as(t, svc).post('/services/users/bulk-update', {
      users: [
        { id: u.id, display_name: 'New', last_name: 'Lee' },
        { id: same.id, display_name: 'Same' },
        { id: gone.id, display_name: 'Ghost' },
        { id: randomUUID(), bio: 'x' },
        { id: u.id },
        { id: 'nope', bio: 'x' },
        { id: u.id, role: 'admin' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.results.map((r: { status: string }) => r.status)).toEqual(['updated', 'unchanged', 'not_found', 'not_found', 'invalid', 'invalid', 'invalid']);
    expect(res.body.data.results[0]).toMatchObject({ id: u.id, version: 2 });
    expect(await profile(u.id)).toMatchObject({ display_name: 'New', last_name: 'Lee', role: 'user' });
    expect((await events('user.updated')).filter((d) => d.user_id === u.id)).toEqual([{ user_id: u.id, changed: ['display_name', 'last_name'] }]);
    expect((await events('user.updated')).filter((d) => d.user_id === same.id || d.user_id === gone.id)).toEqual([]);
  });
});

describe('POST /internal/users/batch-upsert', () => {
  it('creates, links and updates by (source, external id); running the same batch twice changes nothing', async () => {
    const registered = await t.seedUser({ displayName: 'Reg' });
    const linkedElsewhere = await t.seedUser();
    await t.db.pool.query(`UPDATE users.users SET external_source = 'hr', external_id = 'other' WHERE id = $1`, [linkedElsewhere.id]);
    const batch = {
      source: 'crm',
      users: [
        { external_id: 'c-1', email: t.email('crm'), display_name: 'Carla  Crm', first_name: 'Carla' },
        { external_id: 'c-2', email: registered.email.toUpperCase(), display_name: 'Registered Person' },
        { external_id: 'c-3', email: linkedElsewhere.email, display_name: 'Conflict' },
        { external_id: 'c-4', email: 'not-an-email', display_name: 'Bad' },
        { external_id: 'c-1', email: t.email('crm'), display_name: 'Dup' },
      ],
    };
    const first = await as(t, svc).post('/internal/users/batch-upsert', batch);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const r = first.body.data.results as { index: number; external_id: string; status: string; id?: string }[];
    expect(r.map((x) => [x.index, x.external_id, x.status])).toEqual([
      [0, 'c-1', 'created'], [1, 'c-2', 'updated'], [2, 'c-3', 'conflict'], [3, 'c-4', 'invalid'], [4, 'c-1', 'invalid'],
    ]);
    expect(await profile(r[0]!.id!)).toMatchObject({ display_name: 'Carla Crm', first_name: 'Carla', external_source: 'crm', external_id: 'c-1' });
    expect(r[1]!.id).toBe(registered.id);
    expect(await profile(registered.id)).toMatchObject({ display_name: 'Registered Person', external_source: 'crm', external_id: 'c-2' });
    expect(accounts.calls().filter((c) => c.method === 'POST').at(-1)?.body).toMatchObject({ source: 'sync', invited_by: null });

    const before = await t.snapshot();
    const calls = accounts.calls().length;
    const again = await as(t, svc).post('/internal/users/batch-upsert', batch);
    expect(again.status).toBe(200);
    expect(again.body.data.results.map((x: { status: string }) => x.status)).toEqual(['unchanged', 'unchanged', 'conflict', 'invalid', 'invalid']);
    expect(await t.snapshot()).toEqual(before);
    expect(accounts.calls()).toHaveLength(calls);
  });

  it('brings known people\'s profile fields in line together: only what differs changes, null clears, one user.updated each', async () => {
    const seed = { source: 'lms', users: [
      { external_id: 'l-1', email: t.email('lms'), display_name: 'Lena', first_name: 'Lena', last_name: 'Old', locale: 'de' },
      { external_id: 'l-2', email: t.email('lms'), display_name: 'Lars', first_name: 'Lars' },
      { external_id: 'l-3', email: t.email('lms'), display_name: 'Lea', timezone: 'Europe/Berlin' },
    ] };
    const first = await as(t, svc).post('/internal/users/batch-upsert', seed);
    const [l1, l2, l3] = (first.body.data.results as { id: string }[]).map((r) => r.id);
    const res = await as(t, svc).post('/internal/users/batch-upsert', { source: 'lms', users: [
      { ...seed.users[0]!, display_name: 'Lena  Neu', last_name: null },
      seed.users[1]!,
      { ...seed.users[2]!, timezone: 'Europe/Paris', locale: 'fr' },
    ] });
    expect(res.status).toBe(200);
    expect(res.body.data.results.map((r: { status: string }) => r.status)).toEqual(['updated', 'unchanged', 'updated']);
    expect(await profile(l1!)).toMatchObject({ display_name: 'Lena Neu', first_name: 'Lena', last_name: null, locale: 'de', version: 2 });
    expect(await profile(l2!)).toMatchObject({ display_name: 'Lars', first_name: 'Lars', version: 1 });
    expect(await profile(l3!)).toMatchObject({ display_name: 'Lea', timezone: 'Europe/Paris', locale: 'fr', version: 2 });
    const updated = (await events('user.updated')).filter((d) => [l1, l2, l3].includes(d.user_id as string));
    expect(updated).toEqual(expect.arrayContaining([{ user_id: l1, changed: ['display_name', 'last_name'] }, { user_id: l3, changed: ['locale', 'timezone'] }]));
    expect(updated).toHaveLength(2);
  });

  it('two runs of the same batch at once create each person once', async () => {
    const batch = { source: 'hr', users: [{ external_id: 'h-1', email: t.email('hr'), display_name: 'Hana' }, { external_id: 'h-2', email: t.email('hr'), display_name: 'Hugo' }] };
    const [a, b] = await Promise.all([as(t, svc).post('/internal/users/batch-upsert', batch), as(t, svc).post('/internal/users/batch-upsert', batch)]);
    for (const res of [a, b]) {
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      for (const r of res.body.data.results) expect(['created', 'unchanged']).toContain(r.status);
    }
    const rows = await t.rows<{ id: string }>(`SELECT id FROM users.users WHERE external_source = 'hr' AND external_id LIKE 'h-%' ORDER BY external_id`);
    expect(rows).toHaveLength(2);
    expect((await events('user.created')).filter((d) => rows.some((r) => r.id === d.user_id))).toHaveLength(2);
  });

  it('changes an email at auth first; if auth refuses, only that item fails', async () => {
    const email = t.email('mover');
    const first = await as(t, svc).post('/internal/users/batch-upsert', { source: 'erp', users: [{ external_id: 'e-1', email, display_name: 'Mover' }] });
    const id = first.body.data.results[0].id as string;
    const moved = t.email('moved');
    const res = await as(t, svc).post('/internal/users/batch-upsert', { source: 'erp', users: [{ external_id: 'e-1', email: moved, display_name: 'Mover' }] });
    expect(res.body.data.results[0]).toMatchObject({ status: 'updated', id });
    expect(t.auth.identities.get(id)?.email).toBe(moved);
    expect(await profile(id)).toMatchObject({ email: moved });
    expect((await events('user.updated')).filter((d) => d.user_id === id)).toEqual([{ user_id: id, changed: ['email'] }]);

    accounts.mode = 'fail500';
    try {
      const before = await t.snapshot();
      const failed = await as(t, svc).post('/internal/users/batch-upsert', { source: 'erp', users: [{ external_id: 'e-1', email: t.email('again'), display_name: 'Mover' }] });
      expect(failed.status).toBe(200);
      expect(failed.body.data.results[0]).toMatchObject({ status: 'failed', error: { code: 'EXT_002' } });
      expect(await t.snapshot()).toEqual(before);
    } finally {
      accounts.mode = 'ok';
    }
  });

  it.each([
    ['no source', { users: [{ external_id: 'x', email: 'x@y.example', display_name: 'X' }] }, 400, 'VAL_001'],
    ['a bad source name', { source: 'CRM System', users: [{ external_id: 'x', email: 'x@y.example', display_name: 'X' }] }, 422, 'VAL_002'],
    ['an empty list', { source: 'crm', users: [] }, 422, 'VAL_003'],
  ])('refuses %s as a whole', async (_l, body, status, code) => {
    const before = await t.snapshot();
    expectError(await as(t, svc).post('/internal/users/batch-upsert', body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
  });
});
