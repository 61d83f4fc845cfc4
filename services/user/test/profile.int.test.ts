import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../src/domain/settings.ts';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const get = (path: string, token?: string) => {
  const req = request(t.app).get(`${API}${path}`);
  return token ? req.set('authorization', token) : req;
};
const put = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) => {
  const req = request(t.app).put(`${API}${path}`).set(headers);
  return (token ? req.set('authorization', token) : req).send(body as object);
};
const row = async (id: string) => (await t.rows('SELECT * FROM users.users WHERE id = $1', [id]))[0];

describe('GET /profile', () => {
  it('answers the caller’s whole record with its version as ETag', async () => {
    const u = await t.seedUser({ displayName: 'Ann Example', firstName: 'Ann' });
    const res = await get('/profile', u.token);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({ success: true, status_code: 200, data: {
      id: u.id, email: u.email, display_name: 'Ann Example', first_name: 'Ann', role: 'user', status: 'active', version: 1,
      created_at: expect.any(String), updated_at: expect.any(String), deleted_at: null,
    } });
  });

  it('answers an admin their own record like anyone else', async () => {
    const a = await t.seedUser({ role: 'admin' });
    const res = await get('/profile', a.token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: a.id, role: 'admin' });
  });

  it('mirrors the admin role of auth’s identity when creating a profile lazily', async () => {
    const p = t.seedIdentity({ role: 'admin' });
    const res = await get('/profile', p.token);
    expect(res.status).toBe(200);
    expect(res.body.data.role).toBe('admin');
  });

  it('answers 304 when If-None-Match names the current version', async () => {
    const u = await t.seedUser();
    const res = await get('/profile', u.token).set('if-none-match', '"1"');
    expect(res.status).toBe(304);
    expect(res.headers.etag).toBe('"1"');
  });

  it('creates the profile from auth’s identity when user.registered has not arrived yet, once', async () => {
    const p = t.seedIdentity({ displayName: 'Early Bird' });
    const [a, b] = await Promise.all([get('/profile', p.token), get('/profile', p.token)]);
    for (const res of [a, b]) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data).toMatchObject({ id: p.id, email: p.email, display_name: 'Early Bird', role: 'user', version: 1, created_by: null });
    }
    const created = (await t.outbox('user.created')).filter((e) => e.envelope.data.user_id === p.id);
    expect(created).toHaveLength(1);
    expect(created[0]!.envelope).toMatchObject({ source: 'user', subject: p.id, data: { email: p.email, display_name: 'Early Bird', role: 'user', created_by: null } });
    const identityCalls = t.auth.calls.filter((c) => c.path === `/api/v1/internal/users/${p.id}`);
    expect(identityCalls.length).toBeGreaterThanOrEqual(1);
    expect(identityCalls[0]!.authorization).toMatch(/^Bearer /);
  });

  it('answers 404 and creates nothing when auth does not know the account either', async () => {
    const ghost = randomUUID();
    const before = await t.snapshot();
    expectError(await get('/profile', t.tokenFor({ id: ghost })), 404, 'BIZ_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses anonymous callers, bad and revoked tokens, and service accounts', async () => {
    const u = await t.seedUser();
    expectError(await get('/profile'), 401, 'AUTH_001');
    expectError(await get('/profile', 'Bearer not.a.token'), 401, 'AUTH_001');
    expectError(await get('/profile', t.tokenFor({ id: u.id }, { exp: Math.floor(Date.now() / 1000) - 60 })), 401, 'AUTH_002');
    expectError(await get('/profile', t.tokenFor({ id: u.id }, { iss: 'someone-else' })), 401, 'AUTH_001');
    expectError(await get('/profile', t.serviceToken()), 403, 'AUTH_003');
    const revoked = await t.seedUser();
    const old = t.tokenFor({ id: revoked.id }, { iat: Math.floor(Date.now() / 1000) - 5 });
    await t.revokeUser(revoked.id);
    expectError(await get('/profile', old), 401, 'AUTH_001');
  });

  it('answers 404 for a soft-deleted account', async () => {
    const u = await t.seedUser({ status: 'deleted' });
    expectError(await get('/profile', u.token), 404, 'BIZ_001');
  });
});

describe('PUT /profile', () => {
  it('replaces the editable fields, clears those left out, bumps the version and publishes user.updated', async () => {
    const u = await t.seedUser({ displayName: 'Old Name', bio: 'old bio', firstName: 'Old' });
    const res = await put('/profile', {
      display_name: '  New   Name ', last_name: 'Smith', locale: 'de-AT', timezone: 'Europe/Vienna',
      avatar_file_id: '6f1c2c1e-4b7a-4e55-9d55-3b5d0c8a9b10', bio: 'line one\nline two',
    }, u.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body.data).toMatchObject({
      display_name: 'New Name', first_name: null, last_name: 'Smith', locale: 'de-AT', timezone: 'Europe/Vienna',
      bio: 'line one\nline two', version: 2, updated_by: u.id,
    });
    const events = (await t.outbox('user.updated')).filter((e) => e.envelope.data.user_id === u.id);
    expect(events).toHaveLength(1);
    expect((events[0]!.envelope.data.changed as string[]).sort()).toEqual(['avatar_file_id', 'bio', 'display_name', 'first_name', 'last_name', 'locale', 'timezone']);
  });

  it('writes and publishes nothing when no value changes', async () => {
    const u = await t.seedUser({ displayName: 'Same' });
    const before = await t.snapshot();
    const res = await put('/profile', { display_name: 'Same' }, u.token);
    expect(res.status).toBe(200);
    expect(res.body.data.version).toBe(1);
    expect(await t.snapshot()).toEqual(before);
  });

  it('writes at the version If-Match names and answers 412 with the current version otherwise', async () => {
    const u = await t.seedUser();
    const ok = await put('/profile', { display_name: 'First' }, u.token, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    const before = await t.snapshot();
    const stale = await put('/profile', { display_name: 'Second' }, u.token, { 'if-match': '"1"' });
    expectError(stale, 412, 'BIZ_002');
    expect(stale.body.error.details).toEqual({ current_version: 2, etag: '"2"' });
    expectError(await put('/profile', { display_name: 'Second' }, u.token, { 'if-match': 'version-2' }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['no display_name', {}, 400, 'VAL_001'],
    ['a role', { display_name: 'X', role: 'admin' }, 400, 'VAL_001'],
    ['a status', { display_name: 'X', status: 'active' }, 400, 'VAL_001'],
    ['an email', { display_name: 'X', email: 'new@example.com' }, 400, 'VAL_001'],
    ['a version', { display_name: 'X', version: 9 }, 400, 'VAL_001'],
    ['a number as name', { display_name: 42 }, 400, 'VAL_001'],
    ['a blank name', { display_name: '   ' }, 422, 'VAL_003'],
    ['a name over 100 characters', { display_name: 'x'.repeat(101) }, 422, 'VAL_003'],
    ['a control character in the name', { display_name: 'Ann\u0007' }, 422, 'VAL_002'],
    ['a bio over 1000 characters', { display_name: 'X', bio: 'b'.repeat(1001) }, 422, 'VAL_003'],
    ['an avatar id that is not a uuid', { display_name: 'X', avatar_file_id: 'avatar.png' }, 422, 'VAL_002'],
    ['an unknown time zone', { display_name: 'X', timezone: 'Mars/Olympus' }, 422, 'VAL_002'],
    ['a malformed locale', { display_name: 'X', locale: 'english' }, 422, 'VAL_002'],
  ])('refuses %s and changes nothing', async (_label, body, status, code) => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    const res = await put('/profile', body, u.token);
    expectError(res, status, code);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]));
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses malformed JSON, a JSON array and an oversized body, changing nothing', async () => {
    const u = await t.seedUser();
    const before = await t.snapshot();
    const raw = (body: string) => request(t.app).put(`${API}/profile`).set('authorization', u.token).set('content-type', 'application/json').send(body);
    expectError(await raw('{"display_name":'), 400, 'VAL_001');
    expectError(await raw('[]'), 400, 'VAL_001');
    expectError(await raw(JSON.stringify({ display_name: 'X', bio: 'b'.repeat(200_000) })), 413, 'REQ_413');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses anonymous callers and service accounts, changing nothing', async () => {
    await t.seedUser();
    const before = await t.snapshot();
    expectError(await put('/profile', { display_name: 'X' }), 401, 'AUTH_001');
    expectError(await put('/profile', { display_name: 'X' }, t.serviceToken()), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a banned user whose token still passes, changing nothing', async () => {
    const u = await t.seedUser({ status: 'banned' });
    const before = await t.snapshot();
    expectError(await put('/profile', { display_name: 'X' }, u.token), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });

  it('creates a missing profile first, then applies the change (user.created before user.updated)', async () => {
    const p = t.seedIdentity({ displayName: 'Pending' });
    const res = await put('/profile', { display_name: 'Settled' }, p.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ display_name: 'Settled', version: 2 });
    const types = (await t.outbox()).filter((e) => e.envelope.subject === p.id).map((e) => e.type);
    expect(types).toEqual(['user.created', 'user.updated']);
  });
});

describe('/profile/settings', () => {
  it('answers the defaults for a user who never changed anything', async () => {
    const u = await t.seedUser();
    const res = await get('/profile/settings', u.token);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body.data).toEqual(DEFAULT_SETTINGS);
  });

  it('replaces the settings, answers them over the defaults and publishes user.updated [settings]', async () => {
    const u = await t.seedUser({ settings: { theme: 'dark', items_per_page: 50 } });
    const res = await put('/profile/settings', { theme: 'light', notification_digest_time: '07:30', language: 'fr' }, u.token, { 'if-match': '"1"' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body.data).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', notification_digest_time: '07:30', language: 'fr' });
    expect((await row(u.id))!.settings).toEqual({ theme: 'light', notification_digest_time: '07:30', language: 'fr' });
    const events = (await t.outbox('user.updated')).filter((e) => e.envelope.data.user_id === u.id);
    expect(events.map((e) => e.envelope.data.changed)).toEqual([['settings']]);
    expect((await get('/profile/settings', u.token)).body.data.theme).toBe('light');
  });

  it.each([
    ['an unknown setting', { theme: 'dark', colour: 'red' }, 400, 'VAL_001'],
    ['a theme outside light/dark/system', { theme: 'neon' }, 422, 'VAL_002'],
    ['a digest time that is not HH:MM', { notification_digest_time: '25:00' }, 422, 'VAL_002'],
    ['a string for a boolean', { email_notifications: 'yes' }, 400, 'VAL_001'],
    ['items_per_page out of range', { items_per_page: 1000 }, 422, 'VAL_003'],
    ['no body at all', undefined, 400, 'VAL_001'],
  ])('refuses %s and changes nothing', async (_label, body, status, code) => {
    const u = await t.seedUser({ settings: { theme: 'dark' } });
    const before = await t.snapshot();
    expectError(await put('/profile/settings', body, u.token), status, code);
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers 412 with the current version on a stale If-Match', async () => {
    const u = await t.seedUser();
    await put('/profile/settings', { theme: 'dark' }, u.token);
    const before = await t.snapshot();
    const res = await put('/profile/settings', { theme: 'light' }, u.token, { 'if-match': '"1"' });
    expectError(res, 412, 'BIZ_002');
    expect(res.body.error.details.current_version).toBe(2);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses anonymous callers and service accounts', async () => {
    expectError(await get('/profile/settings'), 401, 'AUTH_001');
    expectError(await get('/profile/settings', t.serviceToken()), 403, 'AUTH_003');
    const before = await t.snapshot();
    expectError(await put('/profile/settings', { theme: 'dark' }), 401, 'AUTH_001');
    expectError(await put('/profile/settings', { theme: 'dark' }, t.serviceToken()), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });
});
