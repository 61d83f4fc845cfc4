import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/usecases/bootstrap.ts';
import { startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const admins = () => t.rows<{ email: string }>(`SELECT email FROM auth.users WHERE role = 'admin'`);

describe('ensureAdmin', () => {
  it('refuses a weak ADMIN_PASSWORD or a malformed ADMIN_EMAIL and creates nothing', async () => {
    await expect(ensureAdmin(t.deps, { email: 'admin@example.com', password: 'password1234' })).rejects.toThrow(/ADMIN_PASSWORD is too weak/);
    await expect(ensureAdmin(t.deps, { email: 'admin', password: 'a-long-admin-passphrase' })).rejects.toThrow(/ADMIN_EMAIL/);
    expect(await admins()).toEqual([]);
  });

  it('does not promote an existing non-admin account that holds ADMIN_EMAIL', async () => {
    const u = await t.register();
    expect(await ensureAdmin(t.deps, { email: u.email, password: 'a-long-admin-passphrase' })).toBe('email_taken');
    expect(await admins()).toEqual([]);
  });

  it('creates exactly one admin when several replicas start at once, then reports it exists', async () => {
    const admin = { email: t.email('admin'), password: 'a-long-admin-passphrase' };
    const results = await Promise.all([1, 2, 3].map(() => ensureAdmin(t.deps, admin)));
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
    expect(results.filter((r) => r !== 'created').every((r) => r === 'exists')).toBe(true);
    expect(await admins()).toEqual([{ email: admin.email }]);
    expect(await ensureAdmin(t.deps, { email: t.email('second'), password: 'a-long-admin-passphrase' })).toBe('exists');
    const events = (await t.outbox('user.registered')).filter((e) => e.envelope.data.email === admin.email);
    expect(events.map((e) => e.envelope.data.role)).toEqual(['admin']);
    expect(await t.rows(`SELECT count(*)::int AS n FROM auth.audit_log WHERE event = 'admin_bootstrapped'`)).toEqual([{ n: 1 }]);
  });
});
