import { AppError } from '@platform/shared/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchDeactivateUsers } from '../src/usecases/admin/batch-deactivate.ts';
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

const ROUTE = '/internal/users/batch-deactivate';
type Row = { status: string; ban_reason: string | null; banned_until: Date | null; deactivated_by_source: string | null; updated_by: string | null };
const row = async (id: string) =>
  (await t.rows<Row>('SELECT status, ban_reason, banned_until, deactivated_by_source, updated_by FROM users.users WHERE id = $1', [id]))[0]!;
const events = async (type: string, id: string) => (await t.outbox(type)).map((e) => e.envelope.data).filter((d) => d.user_id === id);
const patches = (id: string) => accounts.calls().filter((c) => c.method === 'PATCH' && c.path.endsWith(`/internal/users/${id}`)).map((c) => c.body);

/** A person imported from `source` with `externalId` through batch-upsert (as sync does). */
async function imported(source: string, externalId: string, displayName = 'Imported Person'): Promise<string> {
  const res = await as(t, svc).post('/internal/users/batch-upsert', { source, users: [{ external_id: externalId, email: t.email(externalId), display_name: displayName }] });
  expect(res.body.data.results[0].status, JSON.stringify(res.body)).toBe('created');
  return res.body.data.results[0].id as string;
}

describe('POST /internal/users/batch-deactivate', () => {
  it('bans the people who vanished from the source at auth first (sessions revoked), then here with user.banned', async () => {
    const a = await imported('lms', 'l-1');
    const b = await imported('lms', 'l-2');
    const res = await as(t, svc).post(ROUTE, { source: 'lms', external_ids: ['l-1', 'l-2'] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.results).toEqual([
      { index: 0, external_id: 'l-1', status: 'deactivated', id: a },
      { index: 1, external_id: 'l-2', status: 'deactivated', id: b },
    ]);
    expect(res.body.data.summary).toEqual({ deactivated: 2 });
    for (const id of [a, b]) {
      expect(patches(id)).toEqual([{ status: 'banned' }]);
      expect(t.auth.identities.get(id)?.status).toBe('banned');
      expect(await row(id)).toEqual({ status: 'banned', ban_reason: 'deactivated: no longer in lms', banned_until: null, deactivated_by_source: 'lms', updated_by: null });
      expect(await events('user.banned', id)).toEqual([{ user_id: id, reason: 'deactivated: no longer in lms', until: null, banned_by: null }]);
    }
    // The cached copy is the banned one.
    expect((await as(t, svc).post('/internal/users/lookup', { ids: [a] })).body.data.users[0]).toMatchObject({ status: 'banned' });

    // Sent again: nothing changes, auth is not called.
    const before = await t.snapshot();
    const calls = accounts.calls().length;
    const again = await as(t, svc).post(ROUTE, { source: 'lms', external_ids: ['l-1', 'l-2'] });
    expect(again.body.data.results.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(await t.snapshot()).toEqual(before);
    expect(accounts.calls()).toHaveLength(calls);
  });

  it('answers unchanged for banned people and not_found for unknown, deleted or other-source ones, touching only the source\'s people', async () => {
    const adminBanned = await imported('hr', 'h-banned');
    await t.db.pool.query(`UPDATE users.users SET status = 'banned', ban_reason = 'Spam' WHERE id = $1`, [adminBanned]);
    const deleted = await imported('hr', 'h-deleted');
    await t.db.pool.query(`UPDATE users.users SET status = 'deleted', deleted_at = now() WHERE id = $1`, [deleted]);
    const otherSource = await imported('crm', 'h-other');
    const unlinked = await t.seedUser();
    const target = await imported('hr', 'h-1');

    const before = await t.rows('SELECT id, status, version FROM users.users WHERE id <> $1 ORDER BY id', [target]);
    const res = await as(t, svc).post(ROUTE, { source: 'hr', external_ids: ['h-banned', 'h-deleted', 'h-other', 'nobody', 'h-1', 'h-1'] });
    expect(res.status).toBe(200);
    expect(res.body.data.results.map((r: { index: number; status: string }) => [r.index, r.status])).toEqual([
      [0, 'unchanged'], [1, 'not_found'], [2, 'not_found'], [3, 'not_found'], [4, 'deactivated'], [5, 'unchanged'],
    ]);
    expect(await t.rows('SELECT id, status, version FROM users.users WHERE id <> $1 ORDER BY id', [target])).toEqual(before);
    expect(await row(adminBanned)).toMatchObject({ ban_reason: 'Spam', deactivated_by_source: null });
    for (const id of [adminBanned, deleted, otherSource, unlinked.id]) expect(patches(id)).toEqual([]);
    expect(patches(target)).toEqual([{ status: 'banned' }]);
    expect(await events('user.banned', adminBanned)).toEqual([]);
  });

  it('reactivates a deactivated person who reappears in batch-upsert of the same source (auth first, user.unbanned)', async () => {
    const id = await imported('canvas', 'c-1', 'Back Again');
    await as(t, svc).post(ROUTE, { source: 'canvas', external_ids: ['c-1'] });
    expect(await row(id)).toMatchObject({ status: 'banned', deactivated_by_source: 'canvas' });
    const email = t.auth.identities.get(id)!.email;

    const res = await as(t, svc).post('/internal/users/batch-upsert', { source: 'canvas', users: [{ external_id: 'c-1', email, display_name: 'Back Again' }] });
    expect(res.body.data.results[0]).toMatchObject({ status: 'updated', id });
    expect(patches(id)).toEqual([{ status: 'banned' }, { status: 'active' }]);
    expect(t.auth.identities.get(id)?.status).toBe('active');
    expect(await row(id)).toEqual({ status: 'active', ban_reason: null, banned_until: null, deactivated_by_source: null, updated_by: null });
    expect(await events('user.unbanned', id)).toEqual([{ user_id: id, unbanned_by: null }]);

    const before = await t.snapshot();
    const again = await as(t, svc).post('/internal/users/batch-upsert', { source: 'canvas', users: [{ external_id: 'c-1', email, display_name: 'Back Again' }] });
    expect(again.body.data.results[0]).toMatchObject({ status: 'unchanged', id });
    expect(await t.snapshot()).toEqual(before);
  });

  it('never lifts an admin\'s ban when the person appears in batch-upsert', async () => {
    const id = await imported('canvas', 'c-2', 'Banned By Admin');
    const email = t.auth.identities.get(id)!.email;
    await as(t, svc).post(ROUTE, { source: 'canvas', external_ids: ['c-2'] });
    // An admin unbans, then bans again for their own reason: that ban is the admin's.
    const admin = await t.seedUser({ role: 'admin' });
    expect((await as(t, admin.token).post(`/admin/users/${id}/unban`)).status).toBe(200);
    expect(await row(id)).toMatchObject({ status: 'active', deactivated_by_source: null });
    expect((await as(t, admin.token).post(`/admin/users/${id}/ban`, { reason: 'Abuse' })).status).toBe(200);
    const res = await as(t, svc).post('/internal/users/batch-upsert', { source: 'canvas', users: [{ external_id: 'c-2', email, display_name: 'Banned By Admin' }] });
    expect(res.body.data.results[0]).toMatchObject({ status: 'unchanged', id });
    expect(await row(id)).toMatchObject({ status: 'banned', ban_reason: 'Abuse', deactivated_by_source: null });
    expect(t.auth.identities.get(id)?.status).toBe('banned');
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['no source', { external_ids: ['x'] }, 400, 'VAL_001'],
    ['a bad source name', { source: 'HR System', external_ids: ['x'] }, 422, 'VAL_002'],
    ['external_ids not an array', { source: 'hr', external_ids: 'x' }, 400, 'VAL_001'],
    ['an empty list', { source: 'hr', external_ids: [] }, 422, 'VAL_003'],
    ['over 1000 ids', { source: 'hr', external_ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) }, 422, 'VAL_003'],
    ['an empty id', { source: 'hr', external_ids: ['h-x', ''] }, 422, 'VAL_003'],
    ['an id that is not a string', { source: 'hr', external_ids: [42] }, 400, 'VAL_001'],
    ['an unknown field', { source: 'hr', external_ids: ['h-x'], force: true }, 400, 'VAL_001'],
  ])('refuses %s as a whole and changes nothing', async (_l, body, status, code) => {
    await imported('hr', `h-x-${_l.replace(/\W/g, '')}`);
    const before = await t.snapshot();
    const calls = accounts.calls().length;
    const res = await as(t, svc).post(ROUTE, body);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expectError(res, status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect(accounts.calls()).toHaveLength(calls);
  });

  it('is for service tokens only: end users and admins get 403, no token 401, nothing changed', async () => {
    const id = await imported('hr', 'h-guarded');
    const user = await t.seedUser();
    const admin = await t.seedUser({ role: 'admin' });
    const before = await t.snapshot();
    for (const token of [user.token, admin.token]) expectError(await as(t, token).post(ROUTE, { source: 'hr', external_ids: ['h-guarded'] }), 403, 'AUTH_003');
    expectError(await as(t, null).post(ROUTE, { source: 'hr', external_ids: ['h-guarded'] }), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
    expect(patches(id)).toEqual([]);
  });

  it('puts back at auth the people it already banned when auth becomes unavailable half-way', async () => {
    const a = await imported('half', 'f-1');
    const b = await imported('half', 'f-2');
    let n = 0;
    const accountsApi = {
      ...t.deps.accounts,
      updateIdentity: (id: string, change: { status?: 'active' | 'banned' | 'deleted' }) => {
        if (change.status === 'banned' && ++n === 2) return Promise.reject(new AppError('EXT_002', 'The auth service is unavailable'));
        return t.deps.accounts.updateIdentity(id, change);
      },
    };
    const before = await t.snapshot();
    await expect(batchDeactivateUsers({ ...t.deps, accounts: accountsApi }, 'half', ['f-1', 'f-2'])).rejects.toMatchObject({ code: 'EXT_002' });
    expect(patches(a)).toEqual([{ status: 'banned' }, { status: 'active' }]);
    expect(patches(b)).toEqual([]);
    for (const id of [a, b]) expect(t.auth.identities.get(id)?.status).toBe('active');
    expect(await t.snapshot()).toEqual(before);
  });

  // Last: auth failing counts towards the breaker of this file's app.
  it('answers 503 EXT_002 when auth is unavailable and changes nothing on either side', async () => {
    const a = await imported('down', 'd-1');
    const b = await imported('down', 'd-2');
    accounts.mode = 'fail500';
    try {
      const before = await t.snapshot();
      expectError(await as(t, svc).post(ROUTE, { source: 'down', external_ids: ['d-1', 'd-2'] }), 503, 'EXT_002');
      expect(await t.snapshot()).toEqual(before);
      for (const id of [a, b]) expect(t.auth.identities.get(id)?.status).toBe('active');
    } finally {
      accounts.mode = 'ok';
    }
  });
});
