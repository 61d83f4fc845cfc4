// The user service through the front door: `npm start`'s launcher brings up auth, the user service
// and the gateway on an empty database; clients (end users, the development admin, a platform
// service client) use only the gateway URL. Registration → profile, optimistic locking on the
// profile and settings, the access matrix (self, another user, admin, service, anonymous), a ban
// that locks the user out at once, the delete saga as the admin sees it, the admin list and the
// streamed CSV report.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Reply } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const root = new URL('..', import.meta.url).pathname;
const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const DEV_ADMIN = { email: 'admin@platform.local', password: 'DevAdmin-Passw0rd!' };
const DEV_USER_CLIENT = { client_id: 'user', client_secret: 'dev-user-secret-123456' };
const PASSWORD = 'User-Flow-Passw0rd!';
// Every account of this file carries the tag, so admin searches find exactly them.
const tag = `uf${randomBytes(3).toString('hex')}`;
let platform: PlatformProcess;

type Account = { id: string; email: string; token: string };

async function register(name: string): Promise<Account> {
  const email = `${tag}-${name}@example.com`;
  const res = await call('POST', `${api}/public/auth/register`, { body: { email, password: PASSWORD, display_name: `${tag} ${name}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.user.id, email, token: res.body.data.access_token };
}

async function login(email: string, password = PASSWORD): Promise<Reply> {
  return call('POST', `${api}/public/auth/login`, { body: { email, password } });
}

/** The key-auth key of the platform's `user` service client (what `npm start` generated for it). */
const serviceApiKey = (): string =>
  (JSON.parse(readFileSync(`${root}.data/dev-keys/service-api-keys.json`, 'utf8')) as Record<string, string>).user!;

const expectError = (res: Reply, status: number, code?: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, ...(code && { error: { code } }) });
};

beforeAll(async () => {
  platform = await startPlatform({ LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await platform?.stop();
});

describe('the user service through the gateway', () => {
  let alice: Account;
  let bob: Account;
  let adminToken = '';

  beforeAll(async () => {
    alice = await register('alice');
    bob = await register('bob');
    const res = await login(DEV_ADMIN.email, DEV_ADMIN.password);
    expect(res.status).toBe(200);
    adminToken = res.body.data.access_token;
  });

  it('prints the user service among the started processes', () => {
    expect(platform.output.join('\n')).toMatch(/user/);
  });

  it('has a profile for a user right after registration', async () => {
    const carol = await register('carol');
    // Right away: whether user.registered was consumed yet or not, the profile is there.
    const res = await call('GET', `${api}/profile`, { token: carol.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ id: carol.id, email: carol.email, display_name: `${tag} carol`, role: 'user', status: 'active', version: 1 });
    expect(res.headers.get('etag')).toBe('"1"');
  });

  it('updates the profile with If-Match, and refuses a stale write with 412 and the current version', async () => {
    const current = await call('GET', `${api}/profile`, { token: alice.token });
    const etag = current.headers.get('etag')!;
    const put = await call('PUT', `${api}/profile`, {
      token: alice.token,
      headers: { 'if-match': etag },
      body: { display_name: `${tag} Alice A.`, bio: 'first write', timezone: 'Europe/Vienna' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.data).toMatchObject({ display_name: `${tag} Alice A.`, bio: 'first write', timezone: 'Europe/Vienna' });
    const newTag = put.headers.get('etag');
    expect(newTag).not.toBe(etag);

    // Another tab still holding the old ETag.
    const stale = await call('PUT', `${api}/profile`, { token: alice.token, headers: { 'if-match': etag }, body: { display_name: 'Lost Update' } });
    expectError(stale, 412);
    expect(stale.body.error.details).toMatchObject({ current_version: put.body.data.version });

    const after = await call('GET', `${api}/profile`, { token: alice.token });
    expect(after.body.data).toMatchObject({ display_name: `${tag} Alice A.`, bio: 'first write' });
    expect(after.headers.get('etag')).toBe(newTag);
    // Conditional read: nothing changed since.
    const unchanged = await call('GET', `${api}/profile`, { token: alice.token, headers: { 'if-none-match': newTag! } });
    expect(unchanged.status).toBe(304);
  });

  it('replaces settings with If-Match, refuses a stale or invalid write and leaves them unchanged', async () => {
    const first = await call('GET', `${api}/profile/settings`, { token: alice.token });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ theme: 'system', language: 'en' });
    const etag = first.headers.get('etag')!;

    const put = await call('PUT', `${api}/profile/settings`, {
      token: alice.token,
      headers: { 'if-match': etag },
      body: { theme: 'dark', notification_digest: 'weekly', notification_digest_time: '07:30' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.data).toMatchObject({ theme: 'dark', notification_digest: 'weekly', notification_digest_time: '07:30' });

    const stale = await call('PUT', `${api}/profile/settings`, { token: alice.token, headers: { 'if-match': etag }, body: { theme: 'light' } });
    expectError(stale, 412);
    const invalid = await call('PUT', `${api}/profile/settings`, {
      token: alice.token,
      headers: { 'if-match': put.headers.get('etag')! },
      body: { theme: 'neon', unknown_setting: true },
    });
    expectError(invalid, 400);

    const after = await call('GET', `${api}/profile/settings`, { token: alice.token });
    expect(after.body.data).toMatchObject({ theme: 'dark', notification_digest: 'weekly', notification_digest_time: '07:30' });
    expect(after.headers.get('etag')).toBe(put.headers.get('etag'));
  });

  describe('access matrix', () => {
    it('refuses anonymous callers at the gateway on every protected route', async () => {
      const routes: [string, string][] = [
        ['GET', '/profile'], ['PUT', '/profile'], ['GET', '/profile/settings'], ['PUT', '/profile/settings'],
        ['GET', '/users'], ['GET', `/users/${alice.id}`], ['PUT', `/users/${alice.id}`], ['PATCH', `/users/${alice.id}`],
        ['DELETE', `/users/${alice.id}`], ['GET', `/users/${alice.id}/profile`], ['PUT', `/users/${alice.id}/profile`],
        ['GET', '/admin/users'], ['POST', '/admin/users'], ['GET', `/admin/users/${alice.id}`], ['PUT', `/admin/users/${alice.id}`],
        ['DELETE', `/admin/users/${alice.id}`], ['POST', `/admin/users/${alice.id}/ban`], ['POST', `/admin/users/${alice.id}/unban`],
        ['GET', '/admin/stats'], ['GET', '/admin/reports'], ['GET', '/admin/analytics'],
        ['POST', '/services/users/batch'], ['POST', '/services/users/bulk-update'],
      ];
      for (const [method, path] of routes) {
        const res = await call(method, `${api}${path}`, { ...(method !== 'GET' && method !== 'DELETE' && { body: {} }) });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body, `${method} ${path}`).toMatchObject({ success: false, error: { code: 'AUTH_001' } });
        // Answered by the gateway itself: a proxied answer would carry the upstream's latency.
        expect(res.headers.get('x-kong-upstream-latency'), `${method} ${path}`).toBeNull();
      }
    });

    it('shows a user their whole record and others only public fields', async () => {
      const self = await call('GET', `${api}/users/${alice.id}`, { token: alice.token });
      expect(self.status).toBe(200);
      expect(self.body.data).toMatchObject({ id: alice.id, email: alice.email, role: 'user', status: 'active' });

      const other = await call('GET', `${api}/users/${alice.id}`, { token: bob.token });
      expect(other.status).toBe(200);
      expect(other.body.data).toMatchObject({ id: alice.id, display_name: `${tag} Alice A.` });
      for (const field of ['email', 'role', 'status', 'settings', 'created_by', 'external_id']) expect(other.body.data).not.toHaveProperty(field);

      const asAdmin = await call('GET', `${api}/users/${alice.id}`, { token: adminToken });
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body.data).toMatchObject({ id: alice.id, email: alice.email, role: 'user' });

      const missing = await call('GET', `${api}/users/00000000-0000-4000-8000-000000000000`, { token: bob.token });
      expectError(missing, 404);
      const malformed = await call('GET', `${api}/users/not-a-uuid`, { token: bob.token });
      expectError(malformed, 422, 'VAL_002');
    });

    it("forbids another user's writes and deletes and every admin route to a non-admin, changing nothing", async () => {
      const before = await call('GET', `${api}/users/${alice.id}`, { token: alice.token });
      const cells: [string, string, unknown?][] = [
        ['PUT', `/users/${alice.id}`, { display_name: 'Hijacked' }],
        ['PATCH', `/users/${alice.id}`, { bio: 'hijacked' }],
        ['PUT', `/users/${alice.id}/profile`, { display_name: 'Hijacked' }],
        ['DELETE', `/users/${alice.id}`],
        ['GET', '/admin/users'],
        ['GET', `/admin/users/${alice.id}`],
        ['PUT', `/admin/users/${alice.id}`, { role: 'admin' }],
        ['DELETE', `/admin/users/${alice.id}`],
        ['POST', `/admin/users/${alice.id}/ban`, { reason: 'not allowed' }],
        ['POST', `/admin/users/${alice.id}/unban`, {}],
        ['POST', '/admin/users', { email: `${tag}-nope@example.com`, display_name: 'Nope' }],
        ['GET', '/admin/stats'],
        ['GET', '/admin/reports'],
        ['GET', '/admin/analytics'],
      ];
      for (const [method, path, body] of cells) {
        const res = await call(method, `${api}${path}`, { token: bob.token, ...(body !== undefined && { body }) });
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
        expect(res.body.error.code, `${method} ${path}`).toBe('AUTH_003');
      }
      const after = await call('GET', `${api}/users/${alice.id}`, { token: alice.token });
      expect(after.body.data).toEqual(before.body.data);
    });

    it('lets users change their own profile but never their role or status', async () => {
      const patched = await call('PATCH', `${api}/users/${bob.id}`, { token: bob.token, body: { bio: 'patched by myself' } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.data).toMatchObject({ bio: 'patched by myself', role: 'user' });

      for (const body of [{ role: 'admin' }, { status: 'active' }, { email: 'other@example.com' }]) {
        const res = await call('PATCH', `${api}/users/${bob.id}`, { token: bob.token, body });
        expectError(res, 400);
      }
      const after = await call('GET', `${api}/profile`, { token: bob.token });
      expect(after.body.data).toMatchObject({ role: 'user', status: 'active', email: bob.email, bio: 'patched by myself' });
    });

    it("lets the admin change another user's profile", async () => {
      const res = await call('PATCH', `${api}/users/${bob.id}`, { token: adminToken, body: { first_name: 'Robert' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data).toMatchObject({ id: bob.id, first_name: 'Robert', updated_by: expect.any(String) });
    });

    it('keeps service accounts to the service routes: a key-auth client, not a user token', async () => {
      const key = serviceApiKey();
      const items = [
        { email: `${tag}-svc1@example.com`, display_name: `${tag} svc one` },
        { email: `${tag}-svc2@example.com`, display_name: `${tag} svc two` },
      ];
      // A user token is no service credential: the gateway wants the client's key.
      const asUser = await call('POST', `${api}/services/users/batch`, { token: alice.token, body: { users: items } });
      expect(asUser.status).toBe(401);
      const badKey = await call('POST', `${api}/services/users/batch`, { headers: { 'x-api-key': 'not-a-key' }, body: { users: items } });
      expect(badKey.status).toBe(401);

      const tokenRes = await call('POST', `${api}/public/auth/token`, { body: { grant_type: 'client_credentials', ...DEV_USER_CLIENT } });
      expect(tokenRes.status).toBe(200);
      const serviceToken = tokenRes.body.data.access_token as string;
      // The gateway checks the client's key; the service checks its client_credentials token.
      const batch = await call('POST', `${api}/services/users/batch`, { token: serviceToken, headers: { 'x-api-key': key }, body: { users: [...items, { email: 'not-an-email' }] } });
      expect(batch.status, JSON.stringify(batch.body)).toBe(201);
      expect(batch.body.data.summary).toEqual({ created: 2, invalid: 1 });
      expect(batch.body.data.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'invalid']);
      const created = await call('GET', `${api}/admin/users?q=${tag}-svc&sort=email`, { token: adminToken });
      expect(created.body.data.map((u: { email: string }) => u.email)).toEqual(items.map((i) => i.email));

      // The key alone is not enough: the service wants its token too, and a user token is no service token.
      const keyOnly = await call('POST', `${api}/services/users/batch`, { headers: { 'x-api-key': key }, body: { users: items } });
      expectError(keyOnly, 401, 'AUTH_001');
      const keyAndUserToken = await call('POST', `${api}/services/users/bulk-update`, {
        token: alice.token, headers: { 'x-api-key': key }, body: { users: [{ id: alice.id, bio: 'bulk' }] },
      });
      expectError(keyAndUserToken, 403, 'AUTH_003');

      // A service token is not an end user: the profile routes refuse it.
      const profile = await call('GET', `${api}/profile`, { token: serviceToken });
      expectError(profile, 403, 'AUTH_003');
    });
  });

  it('rejects a banned user on the very next request, and lets them back in after unban', async () => {
    const dave = await register('dave');
    expect((await call('GET', `${api}/profile`, { token: dave.token })).status).toBe(200);

    const ban = await call('POST', `${api}/admin/users/${dave.id}/ban`, { token: adminToken, body: { reason: 'spam' } });
    expect(ban.status, JSON.stringify(ban.body)).toBe(200);
    expect(ban.body.data).toMatchObject({ id: dave.id, status: 'banned', ban_reason: 'spam' });

    // The token issued before the ban is dead at once, on every route.
    expectError(await call('GET', `${api}/profile`, { token: dave.token }), 401, 'AUTH_001');
    expectError(await call('GET', `${api}/users/${alice.id}`, { token: dave.token }), 401, 'AUTH_001');
    expect((await login(dave.email)).status).toBeGreaterThanOrEqual(401);

    const seen = await call('GET', `${api}/admin/users/${dave.id}`, { token: adminToken });
    expect(seen.body.data).toMatchObject({ status: 'banned', ban_reason: 'spam' });

    const unban = await call('POST', `${api}/admin/users/${dave.id}/unban`, { token: adminToken, body: {} });
    expect(unban.status, JSON.stringify(unban.body)).toBe(200);
    expect(unban.body.data).toMatchObject({ status: 'active', ban_reason: null });
    const again = await login(dave.email);
    expect(again.status).toBe(200);
    expect((await call('GET', `${api}/profile`, { token: again.body.data.access_token })).status).toBe(200);
  });

  it('runs the delete saga and shows the admin where it stands', async () => {
    const erin = await register('erin');
    expect((await call('GET', `${api}/profile`, { token: erin.token })).status).toBe(200);

    const del = await call('DELETE', `${api}/admin/users/${erin.id}`, { token: adminToken });
    expect([202, 204], JSON.stringify(del.body)).toContain(del.status);
    // Sessions are revoked first, at auth: the old token is refused at once.
    expectError(await call('GET', `${api}/profile`, { token: erin.token }), 401, 'AUTH_001');
    expect((await login(erin.email)).status).toBeGreaterThanOrEqual(400);

    const seen = await call('GET', `${api}/admin/users/${erin.id}`, { token: adminToken });
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body.data).toMatchObject({ id: erin.id, status: 'deleted', deleted_at: expect.any(String) });
    const deletion = seen.body.data.deletion;
    expect(deletion).toMatchObject({ requested_at: expect.any(String), waiting_for: expect.any(Array), erased: expect.any(Object) });
    // Either still waiting for some services, or complete with every service's confirmation.
    if (deletion.completed_at === null) expect(deletion.waiting_for.length).toBeGreaterThan(0);
    else expect(deletion.waiting_for).toEqual([]);

    // Deleted users leave the directory; the admin still finds them by status.
    const dir = await call('GET', `${api}/users?q=${tag}-erin&limit=100`, { token: alice.token });
    expect(dir.status).toBe(200);
    expect(dir.body.data.map((u: { id: string }) => u.id)).not.toContain(erin.id);
    const listed = await call('GET', `${api}/admin/users?status=deleted&q=${tag}`, { token: adminToken });
    expect(listed.body.data.map((u: { id: string }) => u.id)).toContain(erin.id);
  });

  it('lists users for the admin with filters, a sort, pagination and a total', async () => {
    const all = await call('GET', `${api}/admin/users?q=${tag}&limit=100&sort=email`, { token: adminToken });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const emails = all.body.data.map((u: { email: string }) => u.email);
    expect(emails).toEqual([...emails].sort());
    expect(emails).toEqual(expect.arrayContaining([alice.email, bob.email]));
    expect(all.body.meta.pagination).toMatchObject({ limit: 100, offset: 0, total: all.body.data.length });

    const page = await call('GET', `${api}/admin/users?q=${tag}&limit=1&offset=1&sort=email`, { token: adminToken });
    expect(page.body.data).toHaveLength(1);
    expect(page.body.data[0].email).toBe(emails[1]);
    expect(page.body.meta.pagination).toMatchObject({ limit: 1, offset: 1, total: all.body.meta.pagination.total, has_prev: true });

    const admins = await call('GET', `${api}/admin/users?role=admin&limit=100`, { token: adminToken });
    expect(admins.body.data.length).toBeGreaterThan(0);
    expect(admins.body.data.every((u: { role: string }) => u.role === 'admin')).toBe(true);

    const bad: [string, number, string][] = [
      ['sort=password_hash', 422, 'VAL_002'], ['status=sleeping', 422, 'VAL_002'], ['role=root', 422, 'VAL_002'],
      ['limit=1000', 422, 'VAL_003'], ['unknown=1', 400, 'VAL_001'], ['q=ab', 422, 'VAL_003'],
      ['created_from=2026-02-01T00:00:00Z&created_to=2026-01-01T00:00:00Z', 422, 'VAL_003'],
    ];
    for (const [query, status, code] of bad) {
      const res = await call('GET', `${api}/admin/users?${query}`, { token: adminToken });
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error.code, query).toBe(code);
    }

    const stats = await call('GET', `${api}/admin/stats`, { token: adminToken });
    expect(stats.status, JSON.stringify(stats.body)).toBe(200);
    expect(stats.body.data.by_status.active).toBeGreaterThanOrEqual(2);
    expect(stats.body.data.signups_per_day.days.length).toBeGreaterThan(0);
    const analytics = await call('GET', `${api}/admin/analytics`, { token: adminToken });
    expect(analytics.status, JSON.stringify(analytics.body)).toBe(200);
    expect(analytics.body.data).toMatchObject({ daily_active_users: expect.any(Array), retention: expect.any(Array) });

    // The directory shows any signed-in user the public fields only.
    const dir = await call('GET', `${api}/users?q=${tag}&limit=100`, { token: bob.token });
    expect(dir.status, JSON.stringify(dir.body)).toBe(200);
    expect(dir.body.data.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([alice.id, bob.id]));
    for (const u of dir.body.data) expect(u).not.toHaveProperty('role');
  });

  it('streams the CSV report of users to the admin', async () => {
    const res = await fetch(`${api}/admin/reports`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(15_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    // Streamed: sent in chunks as rows are read, not with a length known up front.
    expect(res.headers.get('content-length')).toBeNull();
    const csv = await res.text();
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toMatch(/\bid\b.*\bemail\b/);
    expect(rows.some((row) => row.includes(alice.email))).toBe(true);
  });
  it('lets a user delete their own account, which starts the same saga', async () => {
    const frank = await register('frank');
    expect((await call('GET', `${api}/profile`, { token: frank.token })).status).toBe(200);
    const del = await call('DELETE', `${api}/users/${frank.id}`, { token: frank.token });
    expect(del.status, JSON.stringify(del.body)).toBe(204);
    expectError(await call('GET', `${api}/profile`, { token: frank.token }), 401, 'AUTH_001');
    const seen = await call('GET', `${api}/admin/users/${frank.id}`, { token: adminToken });
    expect(seen.body.data).toMatchObject({ status: 'deleted', deletion: { requested_by: frank.id } });
  });

  it('invites a user through auth and shows the new account to the admin', async () => {
    const email = `${tag}-invited@example.com`;
    const invite = await call('POST', `${api}/admin/users`, { token: adminToken, body: { email, display_name: `${tag} invited` } });
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    expect(invite.body.data).toMatchObject({ email, role: 'user', status: 'active' });
    const seen = await call('GET', `${api}/admin/users/${invite.body.data.id}`, { token: adminToken });
    expect(seen.body.data).toMatchObject({ email, deletion: null });
    // The same email again is refused and creates nothing more.
    const again = await call('POST', `${api}/admin/users`, { token: adminToken, body: { email, display_name: 'twice' } });
    expectError(again, 409);
    const listed = await call('GET', `${api}/admin/users?q=${tag}-invited`, { token: adminToken });
    expect(listed.body.data).toHaveLength(1);
  });

  it('never lets the last admin be demoted, nor an admin ban themselves', async () => {
    const me = await call('GET', `${api}/profile`, { token: adminToken });
    expect(me.body.data.role).toBe('admin');
    const demote = await call('PUT', `${api}/admin/users/${me.body.data.id}`, { token: adminToken, body: { role: 'user' } });
    expectError(demote, 422, 'BIZ_003');
    const selfBan = await call('POST', `${api}/admin/users/${me.body.data.id}/ban`, { token: adminToken, body: { reason: 'oops' } });
    expectError(selfBan, 403, 'AUTH_003');
    const after = await call('GET', `${api}/profile`, { token: adminToken });
    expect(after.body.data).toMatchObject({ role: 'admin', status: 'active', version: me.body.data.version });
  });

  it('applies a role change at auth at once: the old token is refused, a new login carries the new role', async () => {
    const grace = await register('grace');
    expect((await call('GET', `${api}/profile`, { token: grace.token })).status).toBe(200);
    const promote = await call('PUT', `${api}/admin/users/${grace.id}`, { token: adminToken, body: { role: 'admin' } });
    expect(promote.status, JSON.stringify(promote.body)).toBe(200);
    expect(promote.body.data.role).toBe('admin');
    expectError(await call('GET', `${api}/profile`, { token: grace.token }), 401, 'AUTH_001');

    const relogin = await login(grace.email);
    expect(relogin.body.data.user.role).toBe('admin');
    const asAdmin = await call('GET', `${api}/admin/users?q=${tag}&limit=5`, { token: relogin.body.data.access_token });
    expect(asAdmin.status).toBe(200);

    // Now that there are two admins, one may step down.
    const demote = await call('PUT', `${api}/admin/users/${grace.id}`, { token: adminToken, body: { role: 'user' } });
    expect(demote.status, JSON.stringify(demote.body)).toBe(200);
    expectError(await call('GET', `${api}/admin/users`, { token: relogin.body.data.access_token }), 401, 'AUTH_001');
  });
});
