import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, bearer, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const login = (email: string, password: string, agent: string) =>
  request(t.app).post(`${API}/public/auth/login`).set('x-forwarded-for', t.ip()).set('user-agent', agent).send({ email, password });

describe('GET /auth/sessions', () => {
  it('lists the caller\'s active sessions, newest use first, the current one flagged, paginated', async () => {
    const u = await t.register();
    const phone = await login(u.email, u.password, 'phone');
    await login(u.email, u.password, 'laptop');
    const someoneElse = await t.register();

    const res = await request(t.app).get(`${API}/auth/sessions?limit=2`).set('authorization', bearer(phone.body.data.access_token));
    expect(res.status).toBe(200);
    expect(res.body.meta.pagination).toEqual({ limit: 2, offset: 0, total: 3, has_next: true, has_prev: false });
    expect(res.body.data).toHaveLength(2);
    expect(res.body.data[0]).toEqual({
      id: expect.any(String), ip: expect.any(String), user_agent: expect.any(String),
      created_at: expect.any(String), last_used_at: expect.any(String), expires_at: expect.any(String), current: expect.any(Boolean),
    });

    const page2 = await request(t.app).get(`${API}/auth/sessions?limit=2&offset=2`).set('authorization', bearer(phone.body.data.access_token));
    expect(page2.body.meta.pagination).toEqual({ limit: 2, offset: 2, total: 3, has_next: false, has_prev: true });
    const all = [...res.body.data, ...page2.body.data];
    expect(new Set(all.map((s: { id: string }) => s.id)).size).toBe(3);
    expect(all.map((s: { user_agent: string | null }) => s.user_agent)).toEqual(expect.arrayContaining(['laptop', 'phone']));
    expect(all.filter((s: { current: boolean }) => s.current).map((s: { user_agent: string }) => s.user_agent)).toEqual(['phone']);
    expect(all.map((s: { id: string }) => s.id)).not.toContain(someoneElse.sessionId);
  });

  it('leaves out revoked and expired sessions', async () => {
    const u = await t.register();
    const other = await login(u.email, u.password, 'other');
    await request(t.app).post(`${API}/public/auth/logout`).send({ refresh_token: other.body.data.refresh_token }).expect(204);
    const third = await login(u.email, u.password, 'third');
    await t.rows(`UPDATE auth.sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND user_agent = 'third'`, [u.userId]);
    expect(third.status).toBe(200);
    const res = await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(u.accessToken));
    expect(res.body.data.map((s: { id: string }) => s.id)).toEqual([u.sessionId]);
  });

  it.each([
    ['limit over 100', '?limit=101', 422, 'VAL_003'],
    ['a negative offset', '?offset=-1', 422, 'VAL_003'],
    ['a non-numeric limit', '?limit=abc', 400, 'VAL_001'],
  ])('refuses %s', async (_label, query, status, code) => {
    const u = await t.register();
    expectError(await request(t.app).get(`${API}/auth/sessions${query}`).set('authorization', bearer(u.accessToken)), status as number, code as string);
  });

  it('refuses an unauthenticated caller and a service token', async () => {
    expectError(await request(t.app).get(`${API}/auth/sessions`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/auth/sessions`).set('authorization', 'Basic abc'), 401, 'AUTH_001');
    const service = t.deps.signer.signServiceToken({ clientId: 'user' }).token;
    expectError(await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(service)), 403, 'AUTH_003');
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it('revokes one of the caller\'s sessions at once: 204, audited, its tokens dead', async () => {
    const u = await t.register();
    const other = await login(u.email, u.password, 'tablet');
    const otherSid = JSON.parse(Buffer.from(other.body.data.access_token.split('.')[1], 'base64url').toString()).sid as string;

    const res = await request(t.app).delete(`${API}/auth/sessions/${otherSid}`).set('authorization', bearer(u.accessToken));
    expect(res.status).toBe(204);
    expect(await t.rows(`SELECT revoke_reason FROM auth.sessions WHERE id = $1`, [otherSid])).toEqual([{ revoke_reason: 'user_revoked' }]);
    expect(await t.rows(`SELECT details->>'session_id' AS sid FROM auth.audit_log WHERE event = 'session_revoked' AND user_id = $1`, [u.userId]))
      .toEqual([{ sid: otherSid }]);
    expectError(await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(other.body.data.access_token)), 401, 'AUTH_001');
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: other.body.data.refresh_token }), 401, 'AUTH_001');
    // The caller's own session is untouched.
    expect((await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(u.accessToken))).status).toBe(200);
  });

  it('answers 404 for someone else\'s session, an unknown id and an already revoked one, changing nothing', async () => {
    const u = await t.register();
    const victim = await t.register();
    const other = await login(u.email, u.password, 'x');
    const otherSid = JSON.parse(Buffer.from(other.body.data.access_token.split('.')[1], 'base64url').toString()).sid as string;
    await request(t.app).delete(`${API}/auth/sessions/${otherSid}`).set('authorization', bearer(u.accessToken)).expect(204);
    const before = await t.snapshot();

    for (const id of [victim.sessionId, randomUUID(), otherSid]) {
      expectError(await request(t.app).delete(`${API}/auth/sessions/${id}`).set('authorization', bearer(u.accessToken)), 404, 'BIZ_001');
    }
    expect(await t.snapshot()).toEqual(before);
    expect(await t.redis.exists(`revoked:sid:${victim.sessionId}`)).toBe(0);
  });

  it('refuses a malformed id with VAL_002 and no token with AUTH_001', async () => {
    const u = await t.register();
    const before = await t.snapshot();
    expectError(await request(t.app).delete(`${API}/auth/sessions/not-a-uuid`).set('authorization', bearer(u.accessToken)), 422, 'VAL_002');
    expectError(await request(t.app).delete(`${API}/auth/sessions/${u.sessionId}`), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });
});
