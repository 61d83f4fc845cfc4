import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, registerAdmin, serviceToken } from './account-helpers.ts';
import { API, bearer, expectError, startTestApp, type Registered, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: { userId: string; accessToken: string };
let u: Registered;
beforeAll(async () => {
  t = await startTestApp();
  admin = await registerAdmin(t);
  u = await t.register({ ip: '203.0.113.7' });
  await loginAs(t, u.email, 'a wrong password!!', '203.0.113.7');
  await loginAs(t, u.email, u.password, '203.0.113.8');
  // Two rows with known times, for the date filters.
  await t.rows(
    `INSERT INTO auth.audit_log (event, user_id, ip, created_at) VALUES
       ('login_success', $1, '198.51.100.1', '2024-03-01T10:00:00Z'), ('logout', $1, '198.51.100.1', '2024-03-02T10:00:00Z')`,
    [u.userId]);
});
afterAll(() => t?.stop());

const audit = (query: string, token: string | null = admin.accessToken) => {
  const req = request(t.app).get(`${API}/admin/audit${query}`);
  return token ? req.set('authorization', bearer(token)) : req;
};
type Row = { id: string; event: string; user_id: string | null; ip: string | null; created_at: string; details: Record<string, unknown> };

describe('GET /admin/audit', () => {
  it('lists the trail newest first, paginated with a total', async () => {
    const res = await audit(`?user_id=${u.userId}&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.meta.pagination).toEqual({ limit: 2, offset: 0, total: 6, has_next: true, has_prev: false });
    expect(res.body.data[0]).toEqual({
      id: expect.any(String), event: 'login_success', user_id: u.userId, actor_id: u.userId, ip: '203.0.113.8',
      user_agent: null, details: { session_id: expect.any(String) }, created_at: expect.any(String),
    });
    const all = (await audit(`?user_id=${u.userId}&limit=100`)).body.data as Row[];
    expect(all.map((r) => r.event)).toEqual(['login_success', 'login_failed', 'email_verification_requested', 'register', 'logout', 'login_success']);
    const times = all.map((r) => Date.parse(r.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const page3 = await audit(`?user_id=${u.userId}&limit=2&offset=4`);
    expect(page3.body.meta.pagination).toEqual({ limit: 2, offset: 4, total: 6, has_next: false, has_prev: true });
    expect((page3.body.data as Row[]).map((r) => r.event)).toEqual(['logout', 'login_success']);
  });

  it('filters by event, ip and time range, and sorts ascending on request', async () => {
    const failed = (await audit(`?event=login_failed&user_id=${u.userId}`)).body.data as Row[];
    expect(failed).toEqual([expect.objectContaining({ event: 'login_failed', ip: '203.0.113.7', details: expect.objectContaining({ reason: 'wrong_password' }) })]);

    const byIp = await audit('?ip=198.51.100.1');
    expect(byIp.body.meta.pagination.total).toBe(2);

    const march = await audit(`?from=2024-03-01T00:00:00Z&to=2024-03-01T23:59:59.999%2B00:00&user_id=${u.userId}`);
    expect((march.body.data as Row[]).map((r) => r.event)).toEqual(['login_success']);

    const asc = (await audit(`?user_id=${u.userId}&sort=created_at&order=asc`)).body.data as Row[];
    expect(asc.map((r) => r.event)).toEqual(['login_success', 'logout', 'register', 'email_verification_requested', 'login_failed', 'login_success']);
  });

  it('refuses callers that are not admins', async () => {
    expectError(await audit('', null), 401, 'AUTH_001');
    expectError(await audit('', u.accessToken), 403, 'AUTH_003');
    expectError(await audit('', serviceToken(t)), 403, 'AUTH_003');
    expectError(await audit('', 'garbage'), 401, 'AUTH_001');
  });

  describe('bad filters: a clear VAL_* error', () => {
    it.each([
      ['an unknown event', '?event=hacked', 422, 'VAL_002', 'event'],
      ['a malformed user_id', '?user_id=42', 422, 'VAL_002', 'user_id'],
      ['a malformed ip', '?ip=300.1.1.1', 422, 'VAL_002', 'ip'],
      ['a date without time', '?from=2024-03-01', 422, 'VAL_002', 'from'],
      ['a non-ISO to', '?to=yesterday', 422, 'VAL_002', 'to'],
      ['from after to', '?from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z', 422, 'VAL_003', 'to'],
      ['a sort field off the whitelist', '?sort=email', 422, 'VAL_002', 'sort'],
      ['a bad order', '?order=sideways', 422, 'VAL_002', 'order'],
      ['an unknown parameter', '?actor=me', 400, 'VAL_001', 'actor'],
      ['a repeated parameter', `?user_id=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}&user_id=x`, 400, 'VAL_001', 'user_id'],
      ['limit over 100', '?limit=101', 422, 'VAL_003', 'limit'],
      ['a negative offset', '?offset=-1', 422, 'VAL_003', 'offset'],
    ])('%s', async (_label, query, status, code, field) => {
      const res = await audit(query);
      expectError(res, status, code);
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });
});
