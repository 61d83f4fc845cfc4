import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, registerAdmin, serviceToken, sessionsList, tokenFromOutbox } from './account-helpers.ts';
import { API, bearer, decodeJwt, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let svc: string;
beforeAll(async () => {
  t = await startTestApp();
  svc = serviceToken(t, 'users');
});
afterAll(() => t?.stop());

const as = (token: string | null) => {
  const auth = <R extends request.Test>(req: R) => (token ? req.set('authorization', bearer(token)) : req);
  return {
    get: (path: string) => auth(request(t.app).get(`${API}/internal${path}`)),
    post: (path: string, body?: unknown) => auth(request(t.app).post(`${API}/internal${path}`).set('x-forwarded-for', '10.9.9.9')).send(body as object),
    patch: (path: string, body?: unknown) => auth(request(t.app).patch(`${API}/internal${path}`).set('x-forwarded-for', '10.9.9.9')).send(body as object),
  };
};

const identity = (u: { userId: string; email: string }, extra: Record<string, unknown> = {}) => ({
  id: u.userId, email: u.email, display_name: 'Test User', role: 'user', status: 'active', email_verified: false, created_at: expect.any(String), ...extra,
});

describe('who may call /internal', () => {
  it('only service tokens: no token → 401, a user or admin token → 403, a bad token → 401', async () => {
    const u = await t.register();
    const admin = await registerAdmin(t);
    const before = await t.snapshot();
    for (const [token, status, code] of [[null, 401, 'AUTH_001'], [u.accessToken, 403, 'AUTH_003'], [admin.accessToken, 403, 'AUTH_003'], ['x.y.z', 401, 'AUTH_001']] as const) {
      expectError(await as(token).get(`/users/${u.userId}`), status, code);
      expectError(await as(token).post('/users/lookup', { ids: [u.userId] }), status, code);
      expectError(await as(token).post('/users', { users: [{ email: t.email(), display_name: 'X' }], source: 'admin' }), status, code);
      expectError(await as(token).patch(`/users/${u.userId}`, { status: 'banned' }), status, code);
      expectError(await as(token).get('/logins/daily?from=2025-01-01&to=2025-01-02'), status, code);
    }
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('GET /internal/users/:id', () => {
  it('returns the identity, banned and deleted ones too', async () => {
    const u = await t.register();
    const res = await as(svc).get(`/users/${u.userId}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(identity(u));
    await t.rows(`UPDATE auth.users SET status = 'deleted' WHERE id = $1`, [u.userId]);
    expect((await as(svc).get(`/users/${u.userId}`)).body.data.status).toBe('deleted');
  });

  it('answers 404 BIZ_001 for an unknown id and 422 VAL_002 for a malformed one', async () => {
    const unknown = await as(svc).get(`/users/${randomUUID()}`);
    expectError(unknown, 404, 'BIZ_001');
    expect(unknown.body.error.message).toMatch(/^User .* not found$/);
    const bad = await as(svc).get('/users/not-a-uuid');
    expectError(bad, 422, 'VAL_002');
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'id' })]);
  });
});

describe('POST /internal/users/lookup', () => {
  it('returns the identities found, in the order asked, and the ids that match nobody', async () => {
    const a = await t.register();
    const b = await t.register();
    const ghost = randomUUID();
    const res = await as(svc).post('/users/lookup', { ids: [b.userId, ghost, a.userId, b.userId.toUpperCase()] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ users: [identity(b), identity(a)], missing: [ghost] });
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['no ids', {}, 400, 'VAL_001'],
    ['ids not an array', { ids: 'abc' }, 400, 'VAL_001'],
    ['an empty list', { ids: [] }, 422, 'VAL_003'],
    ['over 100 ids', { ids: Array.from({ length: 101 }, () => randomUUID()) }, 422, 'VAL_003'],
    ['a malformed id', { ids: [randomUUID(), 'nope'] }, 422, 'VAL_002'],
    ['an unknown field', { ids: [randomUUID()], fields: ['email'] }, 400, 'VAL_001'],
  ])('refuses %s', async (_label, body, status, code) => {
    expectError(await as(svc).post('/users/lookup', body), status as number, code as string);
  });
});

describe('POST /internal/users (invite / import)', () => {
  it('creates identities without a password, each with a set_password link and an auth.invitation_requested event', async () => {
    const existing = await t.register();
    const inviter = randomUUID();
    const [n1, n2] = [t.email('new'), t.email('new')];
    const res = await as(svc).post('/users', {
      source: 'admin', invited_by: inviter,
      users: [
        { email: n1.toUpperCase(), display_name: '  Ann   Admin ', role: 'admin' },
        { email: existing.email, display_name: 'Already There' },
        { email: 'broken', display_name: 'Bad Email' },
        { email: n2, display_name: 'Bo' },
        { email: n1, display_name: 'Ann Again' },
        { email: t.email('new'), display_name: 'Root', role: 'service' },
        { email: t.email('new'), display_name: 'Line\nBreak' },
      ],
    });
    expect(res.status).toBe(201);
    const results = res.body.data.results as { index: number; email: string; status: string; id?: string; error?: { code: string; details: { field: string; issue: string }[] } }[];
    expect(results.map((r) => [r.index, r.status])).toEqual([[0, 'created'], [1, 'exists'], [2, 'invalid'], [3, 'created'], [4, 'exists'], [5, 'invalid'], [6, 'invalid']]);
    expect(res.body.data.summary).toEqual({ created: 2, exists: 2, invalid: 3 });
    expect(results[1]!.id).toBe(existing.userId);
    expect(results[4]!.id).toBe(results[0]!.id);
    expect(results[2]!.error).toMatchObject({ code: 'VAL_002', details: [{ field: 'email', issue: 'invalid_format' }] });
    expect(results[5]!.error).toMatchObject({ code: 'VAL_002', details: [{ field: 'role', issue: 'invalid_value' }] });
    expect(results[6]!.error).toMatchObject({ details: [{ field: 'display_name', issue: 'invalid_format' }] });

    const annId = results[0]!.id!;
    expect(await t.rows(`SELECT email, display_name, role, password_hash, email_verified FROM auth.users WHERE id = $1`, [annId]))
      .toEqual([{ email: n1, display_name: 'Ann Admin', role: 'admin', password_hash: null, email_verified: false }]);
    const events = (await t.outbox('auth.invitation_requested')).filter((e) => [annId, results[3]!.id].includes(e.envelope.data.user_id as string));
    expect(events).toHaveLength(2);
    const annEvent = events.find((e) => e.envelope.data.user_id === annId)!.envelope;
    expect(annEvent).toMatchObject({
      source: 'auth', subject: annId,
      data: { email: n1, display_name: 'Ann Admin', role: 'admin', invited_by: inviter, source: 'admin', token: expect.any(String) },
    });
    const expiresIn = Date.parse(annEvent.data.expires_at as string) - Date.now();
    expect(expiresIn).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(expiresIn).toBeLessThan(7 * 86400_000 + 60_000);
    expect(await t.rows(`SELECT purpose, used_at FROM auth.one_time_tokens WHERE user_id = $1`, [annId])).toEqual([{ purpose: 'set_password', used_at: null }]);
    expect(await t.rows(`SELECT actor_id, details FROM auth.audit_log WHERE event = 'invitation_requested' AND user_id = $1`, [annId]))
      .toEqual([{ actor_id: 'service:users', details: { source: 'admin', invited_by: inviter, role: 'admin' } }]);

    // The invitee cannot log in yet; the link sets the first password and verifies the email.
    expectError(await loginAs(t, n1, 'whatever passphrase 1'), 401, 'AUTH_001');
    const set = await request(t.app).post(`${API}/public/auth/reset-password`).send({ token: annEvent.data.token, password: 'ann sets her own passphrase' });
    expect(set.status).toBe(200);
    expect(set.body.data.user).toMatchObject({ id: annId, role: 'admin', email_verified: true });
    const login = await loginAs(t, n1, 'ann sets her own passphrase');
    expect(decodeJwt(login.body.data.access_token).payload.role).toBe('admin');
  });

  it('is idempotent on email: a retried import reports every user as existing and changes nothing', async () => {
    const body = { source: 'sync', users: [{ email: t.email('sync'), display_name: 'S1' }, { email: t.email('sync'), display_name: 'S2' }] };
    const first = await as(svc).post('/users', body);
    expect(first.status).toBe(201);
    const before = await t.snapshot();
    const retry = await as(svc).post('/users', body);
    expect(retry.status).toBe(200);
    expect(retry.body.data.results.map((r: { status: string; id: string }) => [r.status, r.id]))
      .toEqual(first.body.data.results.map((r: { id: string }) => ['exists', r.id]));
    expect(await t.snapshot()).toEqual(before);
  });

  it('takes a 500-user import, larger than the public 20 kb body limit', async () => {
    const users = Array.from({ length: 500 }, (_, i) => ({ email: t.email(`bulk${i}`), display_name: `Bulk User Number ${i} With A Longer Name` }));
    const res = await as(svc).post('/users', { source: 'sync', users });
    expect(JSON.stringify({ users }).length).toBeGreaterThan(20_000);
    expect(res.status).toBe(201);
    expect(res.body.data.summary).toEqual({ created: 500, exists: 0, invalid: 0 });
  });

  it('creates each email once when overlapping imports run at once (listed in opposite orders), with one link and one event each', async () => {
    const emails = Array.from({ length: 40 }, (_, i) => t.email(`race${i}`));
    const body = (list: string[]) => ({ source: 'sync', users: list.map((email) => ({ email, display_name: 'Race' })) });
    const [a, b] = await Promise.all([as(svc).post('/users', body(emails)), as(svc).post('/users', body([...emails].reverse()))]);
    const idsOf = (res: typeof a) => new Map((res.body.data.results as { email: string; id: string }[]).map((r) => [r.email, r.id]));
    expect(a.body.data.summary.created + b.body.data.summary.created).toBe(40);
    expect(idsOf(a)).toEqual(idsOf(b));
    const ids = [...idsOf(a).values()];
    expect(await t.rows(`SELECT count(*)::int AS n FROM auth.one_time_tokens WHERE user_id = ANY($1::uuid[])`, [ids])).toEqual([{ n: 40 }]);
    expect((await t.outbox('auth.invitation_requested')).filter((e) => ids.includes(e.envelope.data.user_id as string))).toHaveLength(40);
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['no users', { source: 'admin' }, 400, 'VAL_001'],
    ['no source', { users: [{ email: 'a@example.com', display_name: 'A' }] }, 400, 'VAL_001'],
    ['an empty list', { source: 'admin', users: [] }, 422, 'VAL_003'],
    ['over 500 users', { source: 'sync', users: Array.from({ length: 501 }, (_, i) => ({ email: `u${i}@example.com`, display_name: 'U' })) }, 422, 'VAL_003'],
    ['an unknown source', { source: 'api', users: [{ email: 'a@example.com', display_name: 'A' }] }, 422, 'VAL_002'],
    ['a malformed invited_by', { source: 'admin', invited_by: 'me', users: [{ email: 'a@example.com', display_name: 'A' }] }, 422, 'VAL_002'],
    ['an unknown field on a user', { source: 'admin', users: [{ email: 'a@example.com', display_name: 'A', password: 'x' }] }, 400, 'VAL_001'],
    ['a user without display_name', { source: 'admin', users: [{ email: 'a@example.com' }] }, 400, 'VAL_001'],
    ['an unknown top-level field', { source: 'admin', users: [{ email: 'a@example.com', display_name: 'A' }], notify: false }, 400, 'VAL_001'],
  ])('refuses %s as a whole, creating nothing', async (_label, body, status, code) => {
    const before = await t.snapshot();
    expectError(await as(svc).post('/users', body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('PATCH /internal/users/:id', () => {
  it('a ban revokes every session at once: the existing access token fails on the next request', async () => {
    const u = await t.register();
    const other = await loginAs(t, u.email, u.password);
    expect((await sessionsList(t, u.accessToken)).status).toBe(200);

    const res = await as(svc).patch(`/users/${u.userId}`, { status: 'banned' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(identity(u, { status: 'banned' }));

    expectError(await sessionsList(t, u.accessToken), 401, 'AUTH_001');
    expectError(await sessionsList(t, other.body.data.access_token), 401, 'AUTH_001');
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: u.refreshToken }), 401, 'AUTH_001');
    expectError(await loginAs(t, u.email, u.password), 403, 'AUTH_003');
    expect(await t.rows(`SELECT DISTINCT revoke_reason FROM auth.sessions WHERE user_id = $1`, [u.userId])).toEqual([{ revoke_reason: 'banned' }]);
    expect(Number(await t.redis.get(`revoked:user:${u.userId}`))).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(await t.rows(`SELECT actor_id, host(ip) AS ip, details FROM auth.audit_log WHERE event = 'status_changed' AND user_id = $1`, [u.userId]))
      .toEqual([{ actor_id: 'service:users', ip: '10.9.9.9', details: { old_status: 'active', new_status: 'banned' } }]);

    // Unbanning lets the user sign in again.
    expect((await as(svc).patch(`/users/${u.userId}`, { status: 'active' })).body.data.status).toBe('active');
    const again = await loginAs(t, u.email, u.password);
    expect(again.status).toBe(200);
    expect((await sessionsList(t, again.body.data.access_token)).status).toBe(200);
  });

  it('a role change revokes the sessions too, and the next login carries the new role', async () => {
    const u = await t.register();
    const res = await as(svc).patch(`/users/${u.userId}`, { role: 'admin' });
    expect(res.body.data.role).toBe('admin');
    expectError(await sessionsList(t, u.accessToken), 401, 'AUTH_001');
    const login = await loginAs(t, u.email, u.password);
    expect(decodeJwt(login.body.data.access_token).payload.role).toBe('admin');
    expect(await t.rows(`SELECT details FROM auth.audit_log WHERE event = 'role_changed' AND user_id = $1`, [u.userId]))
      .toEqual([{ details: { old_role: 'user', new_role: 'admin' } }]);
  });

  it('a deletion revokes the sessions; the identity stays readable with status deleted', async () => {
    const u = await t.register();
    expect((await as(svc).patch(`/users/${u.userId}`, { status: 'deleted' })).body.data.status).toBe('deleted');
    expectError(await sessionsList(t, u.accessToken), 401, 'AUTH_001');
    expectError(await loginAs(t, u.email, u.password), 401, 'AUTH_001');
  });

  it('an email change resets verification, sends a link to the new address and kills links sent to the old one; sessions stay', async () => {
    const u = await t.register();
    const oldLink = await tokenFromOutbox(t, 'auth.email_verification_requested', u.userId);
    await t.rows(`UPDATE auth.users SET email_verified = true WHERE id = $1`, [u.userId]);
    const newEmail = t.email('moved');

    const res = await as(svc).patch(`/users/${u.userId}`, { email: `  ${newEmail.toUpperCase()}` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(identity({ userId: u.userId, email: newEmail }, { email_verified: false }));
    expect((await sessionsList(t, u.accessToken)).status).toBe(200);

    const events = (await t.outbox('auth.email_verification_requested')).filter((e) => e.envelope.data.user_id === u.userId);
    expect(events.at(-1)!.envelope.data.email).toBe(newEmail);
    expectError(await request(t.app).post(`${API}/public/auth/verify-email`).send({ token: oldLink }), 401, 'AUTH_001');
    expect((await request(t.app).post(`${API}/public/auth/verify-email`).send({ token: events.at(-1)!.envelope.data.token })).status).toBe(200);
    expect((await loginAs(t, newEmail, u.password)).status).toBe(200);
    expect(await t.rows(`SELECT details FROM auth.audit_log WHERE event = 'email_changed' AND user_id = $1`, [u.userId]))
      .toEqual([{ details: { old_email: u.email, new_email: newEmail } }]);
  });

  it('answers 200 with the identity and writes nothing when nothing actually changes', async () => {
    const u = await t.register();
    const before = await t.snapshot();
    const res = await as(svc).patch(`/users/${u.userId}`, { role: 'user', status: 'active', email: u.email });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(identity(u));
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an email that belongs to another account with 409 BIZ_002, changing nothing', async () => {
    const a = await t.register();
    const b = await t.register();
    const before = await t.snapshot();
    const res = await as(svc).patch(`/users/${a.userId}`, { email: b.email, role: 'admin' });
    expectError(res, 409, 'BIZ_002');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'email', issue: 'taken' })]);
    expect(await t.snapshot()).toEqual(before);
    expect((await sessionsList(t, a.accessToken)).status).toBe(200);
  });

  it('keeps the last active admin: demoting, banning or deleting them is BIZ_003', async () => {
    await t.rows(`UPDATE auth.users SET role = 'user' WHERE role = 'admin'`);
    const admin = await registerAdmin(t);
    const before = await t.snapshot();
    for (const patch of [{ role: 'user' }, { status: 'banned' }, { status: 'deleted' }]) {
      expectError(await as(svc).patch(`/users/${admin.userId}`, patch), 422, 'BIZ_003');
    }
    expect(await t.snapshot()).toEqual(before);
    const second = await registerAdmin(t);
    expect((await as(svc).patch(`/users/${admin.userId}`, { role: 'user' })).status).toBe(200);
    expectError(await as(svc).patch(`/users/${second.userId}`, { status: 'banned' }), 422, 'BIZ_003');
  });

  it('answers 404 BIZ_001 for an unknown id and 422 VAL_002 for a malformed one', async () => {
    const before = await t.snapshot();
    expectError(await as(svc).patch(`/users/${randomUUID()}`, { status: 'banned' }), 404, 'BIZ_001');
    expectError(await as(svc).patch('/users/123', { status: 'banned' }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['no body', undefined, 400, 'VAL_001'],
    ['an empty body', {}, 400, 'VAL_001'],
    ['an unknown field', { status: 'banned', reason: 'spam' }, 400, 'VAL_001'],
    ['an unknown status', { status: 'suspended' }, 422, 'VAL_002'],
    ['the service role', { role: 'service' }, 422, 'VAL_002'],
    ['a malformed email', { email: 'nope' }, 422, 'VAL_002'],
    ['a non-string email', { email: 7 }, 400, 'VAL_001'],
  ])('refuses %s, changing nothing', async (_label, body, status, code) => {
    const u = await t.register();
    const before = await t.snapshot();
    expectError(await as(svc).patch(`/users/${u.userId}`, body), status as number, code as string);
    expect(await t.snapshot()).toEqual(before);
    expect((await sessionsList(t, u.accessToken)).status).toBe(200);
  });
});

describe('GET /internal/logins/daily', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    a = (await t.register()).userId;
    b = (await t.register()).userId;
    await t.rows(
      `INSERT INTO auth.audit_log (event, user_id, created_at) VALUES
         ('login_success', $1, '2025-01-01T00:00:00Z'), ('login_success', $1, '2025-01-01T23:59:59Z'), ('login_success', $1, '2025-01-03T12:00:00Z'),
         ('login_success', $2, '2025-01-01T08:00:00Z'), ('login_failed', $2, '2025-01-01T09:00:00Z'), ('login_success', $2, '2024-12-31T23:59:59Z'),
         ('login_success', $2, '2025-01-04T00:00:00Z')`,
      [a, b]);
  });
  const daily = (query: string) => as(svc).get(`/logins/daily${query}`);

  it('counts successful logins per user and UTC day, both ends inclusive', async () => {
    const res = await daily('?from=2025-01-01&to=2025-01-03');
    expect(res.status).toBe(200);
    const rows = (res.body.data as { date: string; user_id: string; logins: number }[]).filter((r) => [a, b].includes(r.user_id));
    expect(rows).toEqual(expect.arrayContaining([
      { date: '2025-01-01', user_id: a, logins: 2 },
      { date: '2025-01-01', user_id: b, logins: 1 },
      { date: '2025-01-03', user_id: a, logins: 1 },
    ]));
    expect(rows).toHaveLength(3);
    expect(res.body.data.map((r: { date: string }) => r.date)).toEqual([...res.body.data.map((r: { date: string }) => r.date)].sort());
  });

  it('filters by user and paginates with a total', async () => {
    const res = await daily(`?from=2024-12-01&to=2025-01-31&user_id=${b}&limit=2`);
    expect(res.body.data).toEqual([{ date: '2024-12-31', user_id: b, logins: 1 }, { date: '2025-01-01', user_id: b, logins: 1 }]);
    expect(res.body.meta.pagination).toEqual({ limit: 2, offset: 0, total: 3, has_next: true, has_prev: false });
  });

  it('counts today\'s real logins', async () => {
    const u = await t.register();
    await loginAs(t, u.email, u.password);
    await loginAs(t, u.email, u.password);
    const today = new Date().toISOString().slice(0, 10);
    expect((await daily(`?from=${today}&to=${today}&user_id=${u.userId}`)).body.data).toEqual([{ date: today, user_id: u.userId, logins: 2 }]);
  });

  it.each([
    ['no range', '', 400, 'VAL_001', 'from'],
    ['no to', '?from=2025-01-01', 400, 'VAL_001', 'to'],
    ['a malformed date', '?from=2025-13-01&to=2025-12-31', 422, 'VAL_002', 'from'],
    ['a date-time', '?from=2025-01-01T00:00:00Z&to=2025-01-02', 422, 'VAL_002', 'from'],
    ['to before from', '?from=2025-02-01&to=2025-01-31', 422, 'VAL_003', 'to'],
    ['more than 366 days', '?from=2024-01-01&to=2025-01-01', 422, 'VAL_003', 'to'],
    ['a malformed user_id', '?from=2025-01-01&to=2025-01-02&user_id=x', 422, 'VAL_002', 'user_id'],
    ['an unknown parameter', '?from=2025-01-01&to=2025-01-02&event=logout', 400, 'VAL_001', 'event'],
  ])('refuses %s', async (_label, query, status, code, field) => {
    const res = await daily(query);
    expectError(res, status, code);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('accepts exactly 366 days', async () => {
    expect((await daily('?from=2024-01-01&to=2024-12-31')).status).toBe(200);
  });
});
