import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

// The access matrix of U2's routes: anonymous, a user (on themselves and on someone else), a
// service account, an admin. Every forbidden cell: the error envelope, nothing changed, auth not called.
let t: TestApp;
let accounts: AuthAccounts;
let admin: Seeded;
let user: Seeded;
let target: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  accounts = installAuthAccounts(t);
  admin = await t.seedUser({ role: 'admin' });
  await t.seedUser({ role: 'admin' });
  user = await t.seedUser();
  target = await t.seedUser();
});
afterAll(() => t?.stop());

type Caller = 'anonymous' | 'user' | 'self' | 'service' | 'admin';
type Route = { name: string; call: (token: string | null) => ReturnType<ReturnType<typeof as>['get']>; allowed: Caller[] };

const token = (c: Caller): string | null =>
  c === 'anonymous' ? null : c === 'service' ? t.serviceToken('sync') : c === 'admin' ? admin.token : user.token;
// "self": the user acting on their own id; "user": on someone else's.
const idFor = (c: Caller) => (c === 'self' ? user.id : target.id);

const routes = (c: Caller): Route[] => {
  const id = idFor(c);
  const r = (name: string, call: Route['call'], allowed: Caller[]): Route => ({ name, call, allowed });
  return [
    r('GET /users', (tk) => as(t, tk).get('/users'), ['user', 'self', 'admin']),
    r('DELETE /users/:id', (tk) => as(t, tk).delete(`/users/${id}`), ['self', 'admin']),
    r('GET /admin/users', (tk) => as(t, tk).get('/admin/users'), ['admin']),
    r('POST /admin/users', (tk) => as(t, tk).post('/admin/users', { email: t.email('inv'), display_name: 'Inv' }), ['admin']),
    r('GET /admin/users/:id', (tk) => as(t, tk).get(`/admin/users/${id}`), ['admin']),
    r('PUT /admin/users/:id', (tk) => as(t, tk).put(`/admin/users/${id}`, { role: 'admin' }), ['admin']),
    r('DELETE /admin/users/:id', (tk) => as(t, tk).delete(`/admin/users/${id}`), ['admin']),
    r('POST /admin/users/:id/ban', (tk) => as(t, tk).post(`/admin/users/${id}/ban`, { reason: 'x' }), ['admin']),
    r('POST /admin/users/:id/unban', (tk) => as(t, tk).post(`/admin/users/${id}/unban`), ['admin']),
    r('GET /admin/stats', (tk) => as(t, tk).get('/admin/stats'), ['admin']),
    r('GET /admin/reports', (tk) => as(t, tk).get('/admin/reports'), ['admin']),
    r('GET /admin/analytics', (tk) => as(t, tk).get('/admin/analytics'), ['admin']),
    r('POST /services/users/batch', (tk) => as(t, tk).post('/services/users/batch', { users: [{ email: t.email('svc'), display_name: 'S' }] }), ['service']),
    r('POST /services/users/bulk-update', (tk) => as(t, tk).post('/services/users/bulk-update', { users: [{ id, bio: 'changed' }] }), ['service']),
    r('POST /internal/users/batch-upsert', (tk) => as(t, tk).post('/internal/users/batch-upsert', { source: 'crm', users: [{ external_id: 'x', email: t.email('up'), display_name: 'U' }] }), ['service']),
  ];
};

const callers: Caller[] = ['anonymous', 'user', 'self', 'service'];

describe('every forbidden cell is refused with an envelope and changes nothing', () => {
  it.each(callers)('%s', async (caller) => {
    for (const route of routes(caller).filter((x) => !x.allowed.includes(caller))) {
      const before = await t.snapshot();
      const calls = accounts.calls().length;
      const res = await route.call(token(caller));
      const [status, code] = caller === 'anonymous' ? [401, 'AUTH_001'] : [403, 'AUTH_003'];
      expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status });
      expectError(res, status, code);
      expect(await t.snapshot(), route.name).toEqual(before);
      expect(accounts.calls(), route.name).toHaveLength(calls);
    }
  });
});

describe('every allowed cell gets through', () => {
  it('admin', async () => {
    for (const route of routes('admin').filter((x) => x.allowed.includes('admin') && !x.name.startsWith('DELETE'))) {
      const res = await route.call(admin.token);
      expect({ route: route.name, ok: res.status < 300 }, JSON.stringify(res.body)).toEqual({ route: route.name, ok: true });
    }
    const victim = await t.seedUser();
    expect((await as(t, admin.token).delete(`/admin/users/${victim.id}`)).status).toBe(204);
    const other = await t.seedUser();
    expect((await as(t, admin.token).delete(`/users/${other.id}`)).status).toBe(204);
  });

  it('service and self', async () => {
    for (const route of routes('service').filter((x) => x.allowed.includes('service'))) {
      const res = await route.call(t.serviceToken('sync'));
      expect({ route: route.name, ok: res.status < 300 }, JSON.stringify(res.body)).toEqual({ route: route.name, ok: true });
    }
    expect((await as(t, user.token).get('/users')).status).toBe(200);
    expect((await as(t, user.token).delete(`/users/${user.id}`)).status).toBe(204);
  });
});
