import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, loginAs, seedLinkToken, serviceToken, sessionsList } from './account-helpers.ts';
import { API, bearer, decodeJwt, expectError, startTestApp, STRONG_PASSWORD, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const NEW_PASSWORD = 'another fine passphrase 9';

const change = (token: string | undefined, body: unknown, ip = t.ip()) => {
  const req = request(t.app).post(`${API}/auth/change-password`).set('x-forwarded-for', ip);
  if (token) req.set('authorization', bearer(token));
  return req.send(body as object);
};

describe('POST /auth/change-password', () => {
  it('changes the password, keeps the current session and ends the others', async () => {
    const u = await t.register();
    const other = await loginAs(t, u.email, u.password);
    const resetToken = await seedLinkToken(t, u.userId, 'reset_password');

    const res = await change(u.accessToken, { current_password: u.password, new_password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ user: { id: u.userId, email: u.email, display_name: 'Test User', role: 'user', email_verified: false }, sessions_revoked: 1 });

    expect((await sessionsList(t, u.accessToken)).status).toBe(200);
    expectError(await sessionsList(t, other.body.data.access_token), 401, 'AUTH_001');
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: other.body.data.refresh_token }), 401, 'AUTH_001');
    expect((await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: u.refreshToken })).status).toBe(200);
    const otherSid = decodeJwt(other.body.data.access_token).payload.sid;
    expect(await t.rows(`SELECT id, revoke_reason FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NOT NULL`, [u.userId]))
      .toEqual([{ id: otherSid, revoke_reason: 'password_changed' }]);
    expect(await t.redis.exists(`revoked:sid:${otherSid}`)).toBe(1);
    expect(await t.redis.exists(`revoked:user:${u.userId}`)).toBe(0);

    expectError(await loginAs(t, u.email, u.password), 401, 'AUTH_001');
    expect((await loginAs(t, u.email, NEW_PASSWORD)).status).toBe(200);
    // A reset link sent before the change would undo it: it no longer works.
    expectError(await request(t.app).post(`${API}/public/auth/reset-password`).send({ token: resetToken, password: 'sneaky reset passphrase 1' }), 401, 'AUTH_001');
    expect(await auditRows(t, 'password_changed', u.userId)).toEqual([
      { actor_id: u.userId, details: { session_id: u.sessionId, sessions_revoked: 1 } },
    ]);
  });

  it('refuses a wrong current password with AUTH_001 on the field, changing nothing', async () => {
    const u = await t.register();
    const before = await t.snapshot();
    const res = await change(u.accessToken, { current_password: 'not my password at all', new_password: NEW_PASSWORD });
    expectError(res, 401, 'AUTH_001');
    expect(res.body.error).toMatchObject({
      message: 'Current password is incorrect', details: [{ field: 'current_password', issue: 'incorrect', message: 'Is incorrect' }],
    });
    expect(await t.snapshot()).toEqual(before);
    expect(await auditRows(t, 'password_change_failed', u.userId)).toEqual([
      { actor_id: u.userId, details: { reason: 'wrong_password', failures: 1 } },
    ]);
  });

  it('counts wrong current passwords toward the login lockout of the email+IP pair', async () => {
    const u = await t.register();
    const ip = t.ip();
    for (let i = 1; i <= 4; i++) expectError(await change(u.accessToken, { current_password: `wrong guess ${i}!!`, new_password: NEW_PASSWORD }, ip), 401, 'AUTH_001');
    const fifth = await change(u.accessToken, { current_password: 'wrong guess 5!!', new_password: NEW_PASSWORD }, ip);
    expectError(fifth, 429, 'RATE_429');
    expect(Number(fifth.headers['retry-after'])).toBe(900);

    // The pair is locked for password changes and logins alike, even with the right password.
    const before = await t.snapshot();
    expectError(await change(u.accessToken, { current_password: u.password, new_password: NEW_PASSWORD }, ip), 429, 'RATE_429');
    expectError(await loginAs(t, u.email, u.password, ip), 429, 'RATE_429');
    expect(await t.snapshot()).toEqual(before);

    const locked = (await t.outbox('auth.login_locked')).filter((e) => e.envelope.data.user_id === u.userId);
    expect(locked).toHaveLength(1);
    expect(locked[0]!.envelope.data).toMatchObject({ email: u.email, ip, failures: 5 });
    expect(await auditRows(t, 'login_locked', u.userId)).toHaveLength(1);
    // Another IP is another pair.
    expect((await change(u.accessToken, { current_password: u.password, new_password: NEW_PASSWORD })).status).toBe(200);
  });

  describe('applies the password policy to new_password, changing nothing', () => {
    it.each([
      ['too short', 'tiny pw', 'VAL_003', 'too_short'],
      ['common', 'qwerty123456', 'VAL_002', 'common_password'],
      ['the same as the current one', STRONG_PASSWORD, 'VAL_002', 'same_as_current'],
    ])('%s', async (_label, newPassword, code, issue) => {
      const u = await t.register();
      const before = await t.snapshot();
      const res = await change(u.accessToken, { current_password: u.password, new_password: newPassword });
      expectError(res, 422, code);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'new_password', issue })]);
      expect(await t.snapshot()).toEqual(before);
    });
  });

  describe('bad input and callers: clear error, nothing written', () => {
    it.each([
      ['no body', undefined, 400, 'VAL_001'],
      ['no current_password', { new_password: NEW_PASSWORD }, 400, 'VAL_001'],
      ['no new_password', { current_password: STRONG_PASSWORD }, 400, 'VAL_001'],
      ['an unknown field', { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD, logout_others: false }, 400, 'VAL_001'],
      ['a non-string password', { current_password: STRONG_PASSWORD, new_password: 1234567890123 }, 400, 'VAL_001'],
      ['an empty current_password', { current_password: '', new_password: NEW_PASSWORD }, 422, 'VAL_003'],
    ])('%s', async (_label, body, status, code) => {
      const u = await t.register();
      const before = await t.snapshot();
      expectError(await change(u.accessToken, body), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });

    it('no token (401), a service token (403), a revoked session (401)', async () => {
      const u = await t.register();
      const body = { current_password: u.password, new_password: NEW_PASSWORD };
      const before = await t.snapshot();
      expectError(await change(undefined, body), 401, 'AUTH_001');
      expectError(await change(serviceToken(t), body), 403, 'AUTH_003');
      await t.redis.set(`revoked:sid:${u.sessionId}`, '1', 'EX', 60);
      expectError(await change(u.accessToken, body), 401, 'AUTH_001');
      expect(await t.snapshot()).toEqual(before);
    });
  });
});
