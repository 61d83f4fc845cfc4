import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.seedUser({ role: 'admin', displayName: 'The Admin' });
});
afterAll(() => t?.stop());

type Method = 'get' | 'put' | 'patch';
const call = (method: Method, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
  const req = request(t.app)[method](`${API}${path}`).set(headers);
  if (token) req.set('authorization', token);
  return body === undefined ? req : req.send(body as object);
};
const row = async (id: string) => (await t.rows<Record<string, unknown>>('SELECT * FROM users.users WHERE id = $1', [id]))[0]!;

const PUBLIC_KEYS = ['avatar_file_id', 'bio', 'display_name', 'id'];
const PUBLIC_PROFILE_KEYS = ['avatar_file_id', 'bio', 'display_name', 'id'];

describe('GET /users/:id: who sees what', () => {
  it('shows self and admins the whole record, other users only public fields, and refuses services and anonymous callers', async () => {
    const ann = await t.seedUser({ displayName: 'Ann', firstName: 'Annabel', bio: 'hi' });
    const bob = await t.seedUser({ displayName: 'Bob' });

    const self = await call('get', `/users/${ann.id}`, ann.token);
    expect(self.status).toBe(200);
    expect(self.headers.etag).toBe('"1"');
    expect(self.headers['cache-control']).toBe('private, no-cache');
    expect(self.headers.vary).toMatch(/authorization/i);
    expect(self.body.data).toMatchObject({ id: ann.id, email: ann.email, first_name: 'Annabel', role: 'user', status: 'active' });

    const byAdmin = await call('get', `/users/${ann.id}`, admin.token);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.data).toEqual(self.body.data);

    const byOther = await call('get', `/users/${ann.id}`, bob.token);
    expect(byOther.status).toBe(200);
    expect(Object.keys(byOther.body.data).sort()).toEqual(PUBLIC_KEYS);
    expect(byOther.body.data).toEqual({ id: ann.id, display_name: 'Ann', avatar_file_id: null, bio: 'hi' });

    expectError(await call('get', `/users/${ann.id}`, t.serviceToken()), 403, 'AUTH_003');
    expectError(await call('get', `/users/${ann.id}`), 401, 'AUTH_001');
  });

  it('shows other users the email only when its owner opted in', async () => {
    const shy = await t.seedUser();
    const open = await t.seedUser({ settings: { show_email_in_directory: true } });
    const viewer = await t.seedUser();
    expect((await call('get', `/users/${shy.id}`, viewer.token)).body.data.email).toBeUndefined();
    expect((await call('get', `/users/${open.id}`, viewer.token)).body.data.email).toBe(open.email);
  });

  it('hides banned and deleted users from other users (404) but not from admins', async () => {
    const viewer = await t.seedUser();
    for (const status of ['banned', 'deleted'] as const) {
      const u = await t.seedUser({ status });
      expectError(await call('get', `/users/${u.id}`, viewer.token), 404, 'BIZ_001');
      expectError(await call('get', `/users/${u.id}/profile`, viewer.token), 404, 'BIZ_001');
      const byAdmin = await call('get', `/users/${u.id}`, admin.token);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.data.status).toBe(status);
    }
  });

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    const viewer = await t.seedUser();
    expectError(await call('get', `/users/${randomUUID()}`, viewer.token), 404, 'BIZ_001');
    expectError(await call('get', `/users/${randomUUID()}`, admin.token), 404, 'BIZ_001');
    expectError(await call('get', '/users/not-a-uuid', viewer.token), 422, 'VAL_002');
  });

  it('creates the caller’s own profile when user.registered is still in flight, but never someone else’s', async () => {
    const p = t.seedIdentity({ displayName: 'Fresh' });
    const q = t.seedIdentity();
    const before = await t.snapshot();
    expectError(await call('get', `/users/${q.id}`, admin.token), 404, 'BIZ_001');
    expect(await t.snapshot()).toEqual(before);
    const res = await call('get', `/users/${p.id}`, p.token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: p.id, display_name: 'Fresh', email: p.email });
  });

  it('answers 304 when If-None-Match names the current version', async () => {
    const u = await t.seedUser();
    const res = await call('get', `/users/${u.id}`, u.token, undefined, { 'if-none-match': 'W/"1"' });
    expect(res.status).toBe(304);
  });
});

describe('GET /users/:id/profile', () => {
  it('answers the editable profile to self and admins, the public part to others', async () => {
    const ann = await t.seedUser({ displayName: 'Ann', firstName: 'Annabel' });
    const bob = await t.seedUser();
    for (const token of [ann.token, admin.token]) {
      const res = await call('get', `/users/${ann.id}/profile`, token);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body.data).toEqual({
        id: ann.id, display_name: 'Ann', first_name: 'Annabel', last_name: null, avatar_file_id: null, bio: null,
        locale: null, timezone: null, version: 1,
      });
    }
    const byOther = await call('get', `/users/${ann.id}/profile`, bob.token);
    expect(Object.keys(byOther.body.data).sort()).toEqual(PUBLIC_PROFILE_KEYS);
    expectError(await call('get', `/users/${ann.id}/profile`, t.serviceToken()), 403, 'AUTH_003');
    expectError(await call('get', `/users/${ann.id}/profile`), 401, 'AUTH_001');
    expectError(await call('get', `/users/${randomUUID()}/profile`, bob.token), 404, 'BIZ_001');
  });
});

describe('writes to /users/:id: the access matrix', () => {
  const writes: [string, Method, string, unknown][] = [
    ['PUT /users/:id', 'put', '', { display_name: 'Changed' }],
    ['PATCH /users/:id', 'patch', '', { display_name: 'Changed' }],
    ['PUT /users/:id/profile', 'put', '/profile', { display_name: 'Changed' }],
  ];

  it.each(writes)('%s: self and admin may, others, services and anonymous callers may not', async (_label, method, suffix, body) => {
    const target = await t.seedUser({ displayName: 'Original' });
    const other = await t.seedUser();
    const before = await t.snapshot();
    expectError(await call(method, `/users/${target.id}${suffix}`, other.token, body), 403, 'AUTH_003');
    expectError(await call(method, `/users/${target.id}${suffix}`, t.serviceToken(), body), 403, 'AUTH_003');
    expectError(await call(method, `/users/${target.id}${suffix}`, undefined, body), 401, 'AUTH_001');
    expectError(await call(method, `/users/${target.id}${suffix}`, 'Bearer garbage', body), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);

    const bySelf = await call(method, `/users/${target.id}${suffix}`, target.token, body);
    expect(bySelf.status, JSON.stringify(bySelf.body)).toBe(200);
    expect(bySelf.headers.etag).toBe('"2"');
    expect(bySelf.body.data).toMatchObject({ display_name: 'Changed', version: 2 });
    expect(await row(target.id)).toMatchObject({ display_name: 'Changed', updated_by: target.id, version: 2 });

    const byAdmin = await call(method, `/users/${target.id}${suffix}`, admin.token, { display_name: 'By Admin' });
    expect(byAdmin.status).toBe(200);
    expect(await row(target.id)).toMatchObject({ display_name: 'By Admin', updated_by: admin.id, version: 3 });
    const changed = (await t.outbox('user.updated')).filter((e) => e.envelope.data.user_id === target.id).map((e) => e.envelope.data.changed);
    expect(changed).toEqual([['display_name'], ['display_name']]);
  });

  it('answers 404 to other users writing to a banned or deleted user, 409 to an admin writing to a deleted one', async () => {
    const other = await t.seedUser();
    const banned = await t.seedUser({ status: 'banned' });
    const deleted = await t.seedUser({ status: 'deleted' });
    const before = await t.snapshot();
    expectError(await call('patch', `/users/${banned.id}`, other.token, { bio: 'x' }), 404, 'BIZ_001');
    expectError(await call('patch', `/users/${deleted.id}`, other.token, { bio: 'x' }), 404, 'BIZ_001');
    expectError(await call('patch', `/users/${deleted.id}`, admin.token, { bio: 'x' }), 409, 'BIZ_002');
    expectError(await call('patch', `/users/${banned.id}`, banned.token, { bio: 'x' }), 403, 'AUTH_003');
    expectError(await call('patch', `/users/${randomUUID()}`, admin.token, { bio: 'x' }), 404, 'BIZ_001');
    expect(await t.snapshot()).toEqual(before);
    // An admin may still tidy up a banned user's profile.
    expect((await call('patch', `/users/${banned.id}`, admin.token, { bio: 'cleaned' })).status).toBe(200);
  });
});

describe('PATCH /users/:id', () => {
  it('changes only the fields given and publishes exactly those', async () => {
    const u = await t.seedUser({ displayName: 'Keep', bio: 'old', firstName: 'First' });
    const res = await call('patch', `/users/${u.id}`, u.token, { bio: 'new', timezone: 'Asia/Tokyo', first_name: null });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ display_name: 'Keep', bio: 'new', timezone: 'Asia/Tokyo', first_name: null, version: 2 });
    const [event] = (await t.outbox('user.updated')).filter((e) => e.envelope.data.user_id === u.id);
    expect((event!.envelope.data.changed as string[]).sort()).toEqual(['bio', 'first_name', 'timezone']);
  });

  it.each([
    ['an empty body', {}, 400, 'VAL_001'],
    ['a role (nobody raises their own role here)', { role: 'admin' }, 400, 'VAL_001'],
    ['a status', { status: 'banned' }, 400, 'VAL_001'],
    ['a role next to a valid field', { bio: 'ok', role: 'admin' }, 400, 'VAL_001'],
    ['an email', { email: 'x@example.com' }, 400, 'VAL_001'],
    ['an unknown field', { nickname: 'x' }, 400, 'VAL_001'],
    ['a null display name', { display_name: null }, 400, 'VAL_001'],
    ['a bio of the wrong type', { bio: 5 }, 400, 'VAL_001'],
    ['an avatar id that is not a uuid', { avatar_file_id: '123' }, 422, 'VAL_002'],
    ['a too long first name', { first_name: 'f'.repeat(101) }, 422, 'VAL_003'],
  ])('refuses %s and changes nothing', async (_label, body, status, code) => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    for (const token of [u.token, admin.token]) expectError(await call('patch', `/users/${u.id}`, token, body), status, code);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a role change even by an admin through this route, and keeps the role', async () => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    expectError(await call('put', `/users/${u.id}`, admin.token, { display_name: 'X', role: 'admin' }), 400, 'VAL_001');
    expectError(await call('put', `/users/${admin.id}`, admin.token, { display_name: 'X', status: 'banned' }), 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers 412 with the current version on a stale If-Match and 422 on a malformed one', async () => {
    const u = await t.seedUser();
    expect((await call('patch', `/users/${u.id}`, u.token, { bio: 'one' }, { 'if-match': '"1"' })).status).toBe(200);
    const before = await t.snapshot();
    const stale = await call('patch', `/users/${u.id}`, admin.token, { bio: 'two' }, { 'if-match': '"1"' });
    expectError(stale, 412, 'BIZ_002');
    expect(stale.body.error.details).toEqual({ current_version: 2, etag: '"2"' });
    expectError(await call('put', `/users/${u.id}`, u.token, { display_name: 'Y' }, { 'if-match': '"1"' }), 412, 'BIZ_002');
    expectError(await call('put', `/users/${u.id}/profile`, u.token, { display_name: 'Y' }, { 'if-match': '"1"' }), 412, 'BIZ_002');
    expectError(await call('patch', `/users/${u.id}`, u.token, { bio: 'two' }, { 'if-match': 'two' }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
    expect((await call('patch', `/users/${u.id}`, u.token, { bio: 'two' }, { 'if-match': '*' })).status).toBe(200);
  });

  it('refuses a malformed id with 422 and changes nothing', async () => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    expectError(await call('patch', '/users/12', u.token, { bio: 'x' }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });
});
