import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

// Its own file: the breaker stays open for the rest of the app's life (reset after 60 s in tests).
let t: TestApp;
let accounts: AuthAccounts;
let admin: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  accounts = installAuthAccounts(t);
  admin = await t.seedUser({ role: 'admin' });
});
afterAll(() => t?.stop());

describe('the breaker to auth', () => {
  it('opens after repeated failures; then ban, role change, invite and delete answer 503 at once without calling auth, and nothing changes', async () => {
    const u = await t.seedUser();
    // A first call succeeds, so the service token is cached and later failures are auth's API's own.
    await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'admin' }).expect(200);
    accounts.mode = 'fail500';
    for (let i = 0; i < 3 && t.authApi.breakerState() !== 'open'; i++) {
      expectError(await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'x' }), 503, 'EXT_002');
    }
    expect(t.authApi.breakerState()).toBe('open');

    accounts.mode = 'ok'; // auth is back, but the breaker does not know yet
    const calls = t.auth.calls.length;
    const before = await t.snapshot();
    const ban = await as(t, admin.token).post(`/admin/users/${u.id}/ban`, { reason: 'x' });
    expectError(ban, 503, 'EXT_002');
    expect(ban.body.error.message).toMatch(/auth service is unavailable/);
    expectError(await as(t, admin.token).put(`/admin/users/${u.id}`, { role: 'user' }), 503, 'EXT_002');
    expectError(await as(t, admin.token).post('/admin/users', { email: t.email('x'), display_name: 'X' }), 503, 'EXT_002');
    expectError(await as(t, u.token).delete(`/users/${u.id}`), 503, 'EXT_002');
    expect(t.auth.calls.length).toBe(calls);
    expect(await t.snapshot()).toEqual(before);
  });
});
