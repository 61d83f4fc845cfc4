import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liftExpiredBans } from '../src/usecases/admin/expire-bans.ts';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

let t: TestApp;
let accounts: AuthAccounts;
let admin: Seeded;
beforeAll(async () => {
  // A short timeout so the "auth hangs" case stays quick.
  t = await startTestApp({ AUTH_TIMEOUT_MS: '300' });
  accounts = installAuthAccounts(t);
  admin = await t.seedUser({ role: 'admin', displayName: 'Ada Admin' });
});
afterAll(() => t?.stop());
beforeEach(() => { accounts.mode = 'ok'; });

const row = async (id: string) => (await t.rows(`SELECT role, status, email, ban_reason, banned_until, version, updated_by FROM users.users WHERE id = $1`, [id]))[0];
const eventsFor = async (id: string) => (await t.outbox()).filter((e) => e.envelope.subject === id).map((e) => ({ type: e.type, data: e.envelope.data }));
const accountCallsFor = (id: string) => accounts.calls().filter((c) => c.path.endsWith(id));

describe('POST /admin/users/:id/ban and /unban', () => {
  it('bans at auth first, then marks the profile banned and publishes user.banned', async () => {
    const u = await t.seedUser();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const res = await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'Spam', until });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ id: u.id, status: 'banned', ban_reason: 'Spam', banned_until: until, version: 2, deletion: null });
    expect(res.headers.etag).toBe('"2"');
    expect(accountCallsFor(u.id).map((c) => [c.method, c.body])).toEqual([['PATCH', { status: 'banned' }]]);
    expect(t.auth.identities.get(u.id)?.status).toBe('banned');
    expect(await row(u.id)).toMatchObject({ status: 'banned', ban_reason: 'Spam', updated_by: admin.id });
    expect(await eventsFor(u.id)).toEqual([{ type: 'user.banned', data: { user_id: u.id, reason: 'Spam', until, banned_by: admin.id } }]);
  });

  it('unbans at auth first, clears the ban and publishes user.unbanned; unbanning an active user changes nothing', async () => {
    const u = await t.seedUser();
    await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'Spam' }).expect(200);
    const res = await as(t, admin.token).post(`/admin/users/${u.id}/unban`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'active', ban_reason: null, banned_until: null });
    expect(accountCallsFor(u.id).map((c) => c.body)).toEqual([{ status: 'banned' }, { status: 'active' }]);
    expect((await eventsFor(u.id)).map((e) => e.type)).toEqual(['user.banned', 'user.unbanned']);

    const before = await t.snapshot();
    const again = await as(t, admin.token).post(`/admin/users/${u.id}/unban`, {});
    expect(again.status).toBe(200);
    expect(await t.snapshot()).toEqual(before);
    expect(accountCallsFor(u.id)).toHaveLength(2);
  });

  it('changes the terms of a ban in place with user.updated, without calling auth again', async () => {
    const u = await t.seedUser();
    await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'Spam' }).expect(200);
    const res = await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'Spam and abuse' });
    expect(res.status).toBe(200);
    expect(accountCallsFor(u.id)).toHaveLength(1);
    expect((await eventsFor(u.id)).at(-1)).toEqual({ type: 'user.updated', data: { user_id: u.id, changed: ['ban_reason'] } });
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['no reason', { until: null }, 400, 'VAL_001'],
    ['an empty reason', { reason: '   ' }, 422, 'VAL_003'],
    ['a malformed until', { reason: 'x', until: 'tomorrow' }, 422, 'VAL_002'],
    ['an until in the past', { reason: 'x', until: '2020-01-01T00:00:00Z' }, 422, 'VAL_003'],
    ['an unknown field', { reason: 'x', permanent: true }, 400, 'VAL_001'],
  ])('refuses a ban with %s and changes nothing anywhere', async (_label, body, status, code) => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    expectError(await as(t, admin.token).post(`/admin/users/${u.id}/ban`, body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect(accountCallsFor(u.id)).toEqual([]);
  });

  it('refuses to let an admin ban themselves (403) and an unknown or malformed id (404, 422)', async () => {
    const before = await t.snapshot();
    expectError(await as(t, admin.token).post(`/admin/users/${admin.id}/ban`, { reason: 'x' }), 403, 'AUTH_003');
    expectError(await as(t, admin.token).post(`/admin/users/${randomUUID()}/ban`, { reason: 'x' }), 404, 'BIZ_001');
    expectError(await as(t, admin.token).post('/admin/users/nope/ban', { reason: 'x' }), 422, 'VAL_002');
    expectError(await as(t, admin.token).post(`/admin/users/${randomUUID()}/unban`, { extra: 1 }), 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
    expect(accountCallsFor(admin.id)).toEqual([]);
  });
});

describe('PUT /admin/users/:id', () => {
  it('changes role and email at auth first, then here, with user.role_changed and user.updated', async () => {
    const u = await t.seedUser({ displayName: 'Rita' });
    const email = t.email('renamed');
    const res = await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin', email: email.toUpperCase(), bio: 'Ops' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ role: 'admin', email, bio: 'Ops' });
    expect(accountCallsFor(u.id).map((c) => c.body)).toEqual([{ role: 'admin', email }]);
    expect(await eventsFor(u.id)).toEqual([
      { type: 'user.role_changed', data: { user_id: u.id, old_role: 'user', new_role: 'admin', changed_by: admin.id } },
      { type: 'user.updated', data: { user_id: u.id, changed: ['bio', 'email'] } },
    ]);
  });

  it('changes profile fields alone without calling auth', async () => {
    const u = await t.seedUser();
    const res = await as(t, admin.token).put(`/admin/users/${u.id}`, { display_name: 'New  Name' });
    expect(res.status).toBe(200);
    expect(res.body.data.display_name).toBe('New Name');
    expect(accountCallsFor(u.id)).toEqual([]);
    expect(await eventsFor(u.id)).toEqual([{ type: 'user.updated', data: { user_id: u.id, changed: ['display_name'] } }]);
  });

  it('honours If-Match: a stale version is 412 with the current one, before auth is called', async () => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    const res = await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin' }).set('if-match', '"7"');
    expectError(res, 412, 'BIZ_002');
    expect(res.body.error.details).toMatchObject({ current_version: 1 });
    expect(await t.snapshot()).toEqual(before);
    expect(accountCallsFor(u.id)).toEqual([]);
    const ok = await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin' }).set('if-match', '"1"');
    expect(ok.status).toBe(200);
  });

  it.each([
    ['an empty body', {}, 400, 'VAL_001'],
    ['status deleted (DELETE does that)', { status: 'deleted' }, 422, 'VAL_002'],
    ['an unknown role', { role: 'root' }, 422, 'VAL_002'],
    ['a malformed email', { email: 'not-an-email' }, 422, 'VAL_002'],
    ['an unknown field', { password: 'x' }, 400, 'VAL_001'],
    ['a display name of 101 characters', { display_name: 'x'.repeat(101) }, 422, 'VAL_003'],
  ])('refuses %s and changes nothing anywhere', async (_label, body, status, code) => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    expectError(await as(t, admin.token).put(`/admin/users/${u.id}`, body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect(accountCallsFor(u.id)).toEqual([]);
  });
});

describe('when the local write fails after auth took the change', () => {
  it('puts auth back to the values committed here (a concurrent write won the version race)', async () => {
    const u = await t.seedUser();
    let raced = false;
    t.auth.on('PATCH', /^\/api\/v1\/internal\/users\/([^/]+)$/, async (req, [id]) => {
      if (!raced) {
        raced = true; // someone else edits the profile while auth is answering
        await t.db.pool.query(`UPDATE users.users SET version = version + 1, bio = 'raced' WHERE id = $1`, [id]);
      }
      const next = { ...t.auth.identities.get(id!)!, ...(req.body as object) };
      t.auth.identities.set(id!, next);
      return [200, { ...next, created_at: new Date().toISOString() }];
    });
    try {
      expectError(await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin' }).set('if-match', '"1"'), 412, 'BIZ_002');
      expect(t.auth.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(u.id)).map((c) => c.body)).toEqual([{ role: 'admin' }, { role: 'user' }]);
      expect(t.auth.identities.get(u.id)?.role).toBe('user');
      expect(await row(u.id)).toMatchObject({ role: 'user', version: 2 });
      expect(await eventsFor(u.id)).toEqual([]);
    } finally {
      accounts = installAuthAccounts(t);
    }
  });
});

describe('the last admin', () => {
  it('cannot be demoted: 422 BIZ_003 from the local check, auth not even asked', async () => {
    const s = await startTestApp();
    try {
      installAuthAccounts(s);
      const only = await s.seedUser({ role: 'admin' });
      const before = await s.snapshot();
      const res = await as(s, only.token).put(`/admin/users/${only.id}`, { role: 'user' });
      expectError(res, 422, 'BIZ_003');
      expect(await s.snapshot()).toEqual(before);
      expect(s.auth.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('is also refused when auth says so (422 BIZ_003 passes through) and nothing changes here', async () => {
    const other = await t.seedUser({ role: 'admin' });
    accounts.mode = 'lastAdmin';
    const before = await t.snapshot();
    const demote = await as(t, admin.token).put(`/admin/users/${other.id}`, { role: 'user' });
    expectError(demote, 422, 'BIZ_003');
    expectError(await as(t, admin.token).post(`/admin/users/${other.id}/ban`, { reason: 'x' }), 422, 'BIZ_003');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('when auth fails', () => {
  it.each([['answers 500', 'fail500'], ['does not answer in time', 'timeout']] as const)('auth %s: 503 EXT_002 and nothing changes here', async (_label, mode) => {
    const u = await t.seedUser();
    accounts.mode = mode;
    const before = await t.snapshot();
    expectError(await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'Spam' }), 503, 'EXT_002');
    expectError(await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin' }), 503, 'EXT_002');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('POST /admin/users (invite)', () => {
  it('creates the identity through auth and the profile here, with user.created', async () => {
    const email = t.email('invitee');
    const res = await as(t, admin.token).post('/admin/users', { email: ` ${email.toUpperCase()} `, display_name: ' Ivy  Invitee ', role: 'admin' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.data.id as string;
    expect(res.body.data).toMatchObject({ email, display_name: 'Ivy Invitee', role: 'admin', status: 'active', created_by: admin.id, version: 1 });
    const call = accounts.calls().find((c) => c.method === 'POST' && (c.body as { users: { email: string }[] }).users[0]!.email === email);
    expect(call?.body).toEqual({ source: 'admin', invited_by: admin.id, users: [{ email, display_name: 'Ivy Invitee', role: 'admin' }] });
    expect(await eventsFor(id)).toEqual([{ type: 'user.created', data: { user_id: id, email, display_name: 'Ivy Invitee', role: 'admin', created_by: admin.id } }]);
  });

  it('answers 409 for an email auth already knows and changes nothing here', async () => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    expectError(await as(t, admin.token).post('/admin/users', { email: u.email, display_name: 'Again' }), 409, 'BIZ_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['no email', { display_name: 'X' }, 400, 'VAL_001'],
    ['a malformed email', { email: 'nope', display_name: 'X' }, 422, 'VAL_002'],
    ['a role auth does not have', { email: 'a@example.com', display_name: 'X', role: 'service' }, 422, 'VAL_002'],
    ['an unknown field', { email: 'a@example.com', display_name: 'X', password: 'secret' }, 400, 'VAL_001'],
  ])('refuses %s without calling auth', async (_label, body, status, code) => {
    const before = await t.snapshot();
    const calls = accounts.calls().length;
    expectError(await as(t, admin.token).post('/admin/users', body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect(accounts.calls()).toHaveLength(calls);
  });

  it('answers 503 and creates nothing when auth is unavailable', async () => {
    accounts.mode = 'fail500';
    const before = await t.snapshot();
    expectError(await as(t, admin.token).post('/admin/users', { email: t.email('x'), display_name: 'X' }), 503, 'EXT_002');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('GET /admin/users/:id', () => {
  it('shows the whole record with its ETag, deleted users included', async () => {
    const u = await t.seedUser({ status: 'deleted' });
    const res = await as(t, admin.token).get(`/admin/users/${u.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: u.id, email: u.email, status: 'deleted', deletion: null });
    expect(res.headers.etag).toBe('"1"');
    expectError(await as(t, admin.token).get(`/admin/users/${randomUUID()}`), 404, 'BIZ_001');
    expectError(await as(t, admin.token).get('/admin/users/123'), 422, 'VAL_002');
  });
});

describe('bans that run out', () => {
  it('are lifted at auth first, then here with user.unbanned (unbanned_by null); running bans stay', async () => {
    const due = await t.seedUser({ status: 'banned' });
    const running = await t.seedUser({ status: 'banned' });
    await t.db.pool.query(`UPDATE users.users SET ban_reason = 'x', banned_until = now() - interval '1 minute' WHERE id = $1`, [due.id]);
    await t.db.pool.query(`UPDATE users.users SET ban_reason = 'x', banned_until = now() + interval '1 day' WHERE id = $1`, [running.id]);

    accounts.mode = 'fail500';
    const before = await t.snapshot();
    expect(await liftExpiredBans(t.deps)).toBe(0);
    expect(await t.snapshot()).toEqual(before);

    accounts.mode = 'ok';
    expect(await liftExpiredBans(t.deps)).toBe(1);
    expect(accountCallsFor(due.id).at(-1)?.body).toEqual({ status: 'active' });
    expect(await row(due.id)).toMatchObject({ status: 'active', ban_reason: null, banned_until: null });
    expect((await eventsFor(due.id)).at(-1)).toEqual({ type: 'user.unbanned', data: { user_id: due.id, unbanned_by: null } });
    expect(await row(running.id)).toMatchObject({ status: 'banned' });
    expect(accountCallsFor(running.id)).toEqual([]);
    expect(await liftExpiredBans(t.deps)).toBe(0);
  });
});
