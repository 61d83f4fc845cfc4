import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDataErased } from '@platform/shared/events';
import { onUserDataErased } from '../src/infra/consumers/on-user-data-erased.ts';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { expectError, startTestApp, waitFor, type Seeded, type TestApp, type TestEvents } from './helpers.ts';

let t: TestApp;
let accounts: AuthAccounts;
let admin: Seeded;
let events: TestEvents;
beforeAll(async () => {
  t = await startTestApp({ ERASURE_SERVICES: 'file,notification,sync' });
  accounts = installAuthAccounts(t);
  admin = await t.seedUser({ role: 'admin' });
  events = await t.startEvents((deps) => [onUserDataErased(deps)]);
});
afterAll(() => t?.stop());

const erased = (userId: string, service: string, at = new Date().toISOString()) =>
  userDataErased.create({ user_id: userId, service, erased_at: at }, { source: service, subject: userId });
const saga = async (id: string) => (await as(t, admin.token).get(`/admin/users/${id}`)).body.data.deletion;

describe('DELETE /users/:id (the user themselves) and the saga to completion', () => {
  it('deletes at auth first, soft-deletes here, publishes user.deleted and completes when every service has erased', async () => {
    const u = await t.seedUser();
    const res = await as(t, u.token).delete(`/users/${u.id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect(accounts.calls().filter((c) => c.path.endsWith(u.id)).map((c) => [c.method, c.body])).toEqual([['PATCH', { status: 'deleted' }]]);
    const [row] = await t.rows<{ status: string; deleted_at: Date | null }>('SELECT status, deleted_at FROM users.users WHERE id = $1', [u.id]);
    expect(row?.status).toBe('deleted');
    expect(row?.deleted_at).toBeInstanceOf(Date);
    expect((await t.outbox('user.deleted')).filter((e) => e.envelope.subject === u.id).map((e) => e.envelope.data))
      .toEqual([{ user_id: u.id, deleted_by: u.id }]);
    expect(await saga(u.id)).toEqual({
      requested_at: expect.any(String), requested_by: u.id, completed_at: null, waiting_for: ['file', 'notification', 'sync'], erased: {},
    });

    // Gone for everyone else, and for a second delete.
    expectError(await as(t, u.token).delete(`/users/${u.id}`), 404, 'BIZ_001');

    const fileAt = '2030-01-01T00:00:00.000Z';
    await events.publish(erased(u.id, 'file', fileAt));
    const first = erased(u.id, 'notification');
    await events.publish(first);
    await events.publish(first); // a redelivery does nothing twice
    await waitFor(async () => (await saga(u.id)).waiting_for.length === 1, { what: 'two services erased' });
    expect(await saga(u.id)).toMatchObject({ completed_at: null, waiting_for: ['sync'], erased: { file: fileAt, notification: first.data.erased_at } });

    await events.publish(erased(u.id, 'sync'));
    const done = await waitFor(async () => { const d = await saga(u.id); return d.completed_at ? d : null; }, { what: 'the saga to complete' });
    expect(done).toMatchObject({ waiting_for: [], erased: { file: fileAt, notification: expect.any(String), sync: expect.any(String) } });
  });

  it('ignores an erasure report for a user without a saga', async () => {
    const nobody = randomUUID();
    const before = await t.rows('SELECT * FROM users.user_deletions ORDER BY user_id');
    await events.publish(erased(nobody, 'file'));
    await waitFor(async () => (await t.rows('SELECT 1 FROM users.inbox WHERE consumer LIKE $1 AND event_id IS NOT NULL', ['%deletion-saga'])).length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.rows('SELECT * FROM users.user_deletions ORDER BY user_id')).toEqual(before);
  });
});

describe('who may delete whom', () => {
  it('another user gets 403 for a visible user and 404 for an unknown one; nothing changes', async () => {
    const u = await t.seedUser();
    const other = await t.seedUser();
    const before = await t.snapshot();
    expectError(await as(t, other.token).delete(`/users/${u.id}`), 403, 'AUTH_003');
    expectError(await as(t, other.token).delete(`/users/${randomUUID()}`), 404, 'BIZ_001');
    expectError(await as(t, null).delete(`/users/${u.id}`), 401, 'AUTH_001');
    expectError(await as(t, t.serviceToken()).delete(`/users/${u.id}`), 403, 'AUTH_003');
    expectError(await as(t, other.token).delete('/users/not-a-uuid'), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('an admin deletes anyone through either route; the admin route repeats as a no-op 204', async () => {
    const a = await t.seedUser();
    const b = await t.seedUser();
    expect((await as(t, admin.token).delete(`/users/${a.id}`)).status).toBe(204);
    expect((await as(t, admin.token).delete(`/admin/users/${b.id}`)).status).toBe(204);
    expect((await saga(b.id)).requested_by).toBe(admin.id);
    const before = await t.snapshot();
    expect((await as(t, admin.token).delete(`/admin/users/${b.id}`)).status).toBe(204);
    expect(await t.snapshot()).toEqual(before);
  });

  it('the last admin cannot delete themselves (422) and auth is not asked', async () => {
    const s = await startTestApp();
    try {
      installAuthAccounts(s);
      const only = await s.seedUser({ role: 'admin' });
      const before = await s.snapshot();
      expectError(await as(s, only.token).delete(`/users/${only.id}`), 422, 'BIZ_003');
      expect(await s.snapshot()).toEqual(before);
      expect(s.auth.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('auth unavailable: 503 EXT_002 and the user is not deleted', async () => {
    const u = await t.seedUser();
    accounts.mode = 'fail500';
    try {
      const before = await t.snapshot();
      expectError(await as(t, u.token).delete(`/users/${u.id}`), 503, 'EXT_002');
      expect(await t.snapshot()).toEqual(before);
    } finally {
      accounts.mode = 'ok';
    }
  });
});
