import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPasswordResetRequested } from '@platform/shared/events';
import { API, expectError, sleep, startTestApp, waitFor, type TestApp } from './helpers.ts';

let t: TestApp;
const admin = { id: randomUUID(), role: 'admin' as const };
const user = { id: randomUUID(), role: 'user' as const };
const service = { id: 'sync', role: 'service' as const };

beforeAll(async () => { t = await startTestApp({ EVENT_RETRY_DELAYS_MS: '50,100' }); });
afterAll(() => t?.stop());

const list = (who: { id: string; role: 'user' | 'admin' | 'service' } | null, query = '') => {
  const r = request(t.app).get(`${API}/admin/notifications/dead-letters${query}`);
  return who ? r.set('authorization', t.bearer(who)) : r;
};

describe('dead letters', () => {
  let secret: string;
  let eventId: string;
  let email: string;

  it('parks a mail the SMTP server keeps refusing after the last attempt and alerts operations', async () => {
    email = t.email('dlq');
    secret = randomBytes(32).toString('base64url');
    const event = authPasswordResetRequested.create(
      { user_id: randomUUID(), email, display_name: 'Del', token: secret, expires_at: new Date(Date.now() + 3600_000).toISOString() }, { source: 'auth' });
    eventId = event.id;
    t.smtp.refuse(true);
    await t.publish(event);
    const alert = await waitFor(() => t.alerts.find((a) => a.text.includes(`${t.queue('password-reset')}.dlq`)), { what: 'the dead-letter alert' });
    expect(alert.text).toContain('auth.password_reset_requested event failed 3 times');
    expect(alert.text).not.toContain(secret);
    expect(t.smtp.to(email)).toEqual([]);
  });

  it('lists the dead letters to an admin, without the single-use token', async () => {
    const res = await list(admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.meta.pagination).toMatchObject({ total: 1, limit: 20, offset: 0 });
    expect(res.body.data).toEqual([expect.objectContaining({
      queue_id: 'password-reset', queue: t.queue('password-reset'), event_id: eventId, event_type: 'auth.password_reset_requested',
      reason: 'max_attempts', attempts: 3, last_error: expect.stringContaining('try again later'), failed_at: expect.any(String),
    })]);
    expect(res.body.data[0].event.data.token).toBe('[redacted]');
    expect(JSON.stringify(res.body)).not.toContain(secret);

    const filtered = await list(admin, '?queue=welcome');
    expect(filtered.body.data).toEqual([]);
    // Listing does not consume them.
    expect((await list(admin)).body.meta.pagination.total).toBe(1);
  });

  it('refuses everyone but admins, and bad queries', async () => {
    expectError(await list(null), 401, 'AUTH_001');
    expectError(await list(user), 403, 'AUTH_003');
    expectError(await list(service), 403, 'AUTH_003');
    expectError(await list(admin, '?queue=nope'), 404, 'BIZ_001');
    expectError(await list(admin, '?queue=Bad_Id!'), 422, 'VAL_002');
    expectError(await list(admin, '?limit=500'), 422, 'VAL_003');
    expectError(await list(admin, '?colour=red'), 400, 'VAL_001');
    const replay = await request(t.app).post(`${API}/admin/notifications/dead-letters/password-reset/replay`).set('authorization', t.bearer(user));
    expectError(replay, 403, 'AUTH_003');
    expectError(await request(t.app).post(`${API}/admin/notifications/dead-letters/nope/replay`).set('authorization', t.bearer(admin)), 404, 'BIZ_001');
    // Nothing was replayed by the refused calls.
    expect((await list(admin)).body.meta.pagination.total).toBe(1);
  });

  it('replays a queue\'s dead letters once the cause is fixed: the mail goes out once', async () => {
    t.smtp.refuse(false);
    const res = await request(t.app).post(`${API}/admin/notifications/dead-letters/password-reset/replay`).set('authorization', t.bearer(admin));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ queue_id: 'password-reset', replayed: 1 });
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the replayed mail' });
    expect(mail.text).toContain(`token=${secret}`);
    expect((await list(admin)).body.meta.pagination.total).toBe(0);
    await sleep(200);
    expect(t.smtp.to(email)).toHaveLength(1);
  });

  it('parks an event that does not match its schema at once', async () => {
    await t.broker.publish('user.banned', Buffer.from(JSON.stringify({ id: randomUUID(), type: 'user.banned', version: 1, data: { user_id: 'x' } })), { persistent: true });
    const res = await waitFor(async () => {
      const r = await list(admin, '?queue=ban-notice');
      return r.body.data?.length ? r : null;
    }, { what: 'the malformed event in the DLQ' });
    expect(res.body.data[0]).toMatchObject({ reason: 'schema', event_type: 'user.banned' });
    expect(t.alerts.some((a) => a.text.includes('was refused (schema)'))).toBe(true);
  });

  it('replays one event by its id and leaves the other dead letters where they are', async () => {
    const reset = (to: string) => authPasswordResetRequested.create(
      { user_id: randomUUID(), email: to, display_name: 'Two', token: randomBytes(32).toString('base64url'), expires_at: new Date(Date.now() + 3600_000).toISOString() },
      { source: 'auth' });
    const [a, b] = [reset(t.email('first')), reset(t.email('second'))];
    t.smtp.refuse(true);
    await t.publish(a);
    await t.publish(b);
    await waitFor(async () => (await list(admin, '?queue=password-reset')).body.meta?.pagination.total === 2, { what: 'both dead letters' });
    t.smtp.refuse(false);

    const res = await request(t.app).post(`${API}/admin/notifications/dead-letters/${a.id}/replay`).set('authorization', t.bearer(admin));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ event_id: a.id, queue_ids: ['password-reset'], replayed: 1 });
    await t.smtp.waitFor((m) => m.to.includes(a.data.email), { what: 'the replayed event\'s mail' });
    const left = await list(admin, '?queue=password-reset');
    expect(left.body.data.map((d: { event_id: string }) => d.event_id)).toEqual([b.id]);
    expect(t.smtp.to(b.data.email)).toEqual([]);

    expectError(await request(t.app).post(`${API}/admin/notifications/dead-letters/${randomUUID()}/replay`).set('authorization', t.bearer(admin)), 404, 'BIZ_001');
    expect((await list(admin, '?queue=password-reset')).body.meta.pagination.total).toBe(1);
  });
});
