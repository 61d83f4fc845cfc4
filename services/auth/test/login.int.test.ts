import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, decodeJwt, expectError, startTestApp, STRONG_PASSWORD, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const login = (body: unknown, ip = t.ip()) =>
  request(t.app).post(`${API}/public/auth/login`).set('x-forwarded-for', ip).set('user-agent', 'login-test').send(body as object);

const auditFor = (email: string) =>
  t.rows<{ event: string; details: Record<string, unknown> }>(`SELECT event, details FROM auth.audit_log WHERE details->>'email' = $1 ORDER BY id`, [email]);

describe('POST /public/auth/login', () => {
  it('answers 200 with the user and a new session, and audits it', async () => {
    const u = await t.register();
    const res = await login({ email: `  ${u.email.toUpperCase()}`, password: u.password }, '198.51.100.4');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      user: { id: u.userId, email: u.email, display_name: 'Test User', role: 'user', email_verified: false },
      access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 900,
    });
    const sid = decodeJwt(res.body.data.access_token).payload.sid;
    expect(sid).not.toBe(u.sessionId);
    expect(await t.rows(`SELECT count(*)::int AS n FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NULL`, [u.userId])).toEqual([{ n: 2 }]);
    expect(await t.rows(`SELECT event, host(ip) AS ip, user_agent, details->>'session_id' AS sid FROM auth.audit_log WHERE user_id = $1 AND event = 'login_success'`, [u.userId]))
      .toEqual([{ event: 'login_success', ip: '198.51.100.4', user_agent: 'login-test', sid }]);
    expect(await t.rows(`SELECT last_login_at IS NOT NULL AS set FROM auth.users WHERE id = $1`, [u.userId])).toEqual([{ set: true }]);
  });

  it('refuses a wrong password and an unknown email with the same AUTH_001, creating no session', async () => {
    const u = await t.register();
    const before = await t.snapshot();
    const wrong = await login({ email: u.email, password: 'not the right password' });
    const unknown = await login({ email: t.email('ghost'), password: 'not the right password' });
    expectError(wrong, 401, 'AUTH_001');
    expectError(unknown, 401, 'AUTH_001');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(await t.snapshot()).toEqual(before);
    expect((await auditFor(u.email)).map((a) => [a.event, a.details.reason])).toEqual([['login_failed', 'wrong_password']]);
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['missing body', undefined, 400, 'VAL_001'],
      ['missing password', { email: 'a@example.com' }, 400, 'VAL_001'],
      ['empty password', { email: 'a@example.com', password: '' }, 422, 'VAL_003'],
      ['an unknown field', { email: 'a@example.com', password: 'x', remember: true }, 400, 'VAL_001'],
      ['a non-string password', { email: 'a@example.com', password: 12345678 }, 400, 'VAL_001'],
      ['a malformed email', { email: 'nope', password: STRONG_PASSWORD }, 422, 'VAL_002'],
    ])('%s', async (_label, body, status, code) => {
      const before = await t.snapshot();
      expectError(await login(body), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });

  it('refuses a banned user with AUTH_003 and a deleted one with AUTH_001, each with a precise message', async () => {
    const banned = await t.register();
    const deleted = await t.register();
    await t.rows(`UPDATE auth.users SET status = 'banned' WHERE id = $1`, [banned.userId]);
    await t.rows(`UPDATE auth.users SET status = 'deleted' WHERE id = $1`, [deleted.userId]);
    const before = await t.snapshot();

    const b = await login({ email: banned.email, password: banned.password });
    expectError(b, 403, 'AUTH_003');
    expect(b.body.error.message).toMatch(/banned/);
    const d = await login({ email: deleted.email, password: deleted.password });
    expectError(d, 401, 'AUTH_001');
    expect(d.body.error.message).toMatch(/deleted/);
    // A wrong password does not reveal the status.
    expect((await login({ email: banned.email, password: 'wrong wrong wrong' })).body.error.message).toBe('Invalid email or password');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an account that has no password yet like a wrong password', async () => {
    const email = t.email('invited');
    await t.rows(`INSERT INTO auth.users (email, display_name) VALUES ($1, 'Invited')`, [email]);
    expectError(await login({ email, password: STRONG_PASSWORD }), 401, 'AUTH_001');
  });

  describe('lockout', () => {
    it('locks the email+IP pair after 5 failures: 429 with Retry-After, one auth.login_locked event, even the right password refused', async () => {
      const u = await t.register();
      const ip = t.ip();
      for (let i = 1; i <= 4; i++) expectError(await login({ email: u.email, password: `wrong password ${i}` }, ip), 401, 'AUTH_001');

      const fifth = await login({ email: u.email, password: 'wrong password 5' }, ip);
      expectError(fifth, 429, 'RATE_429');
      expect(Number(fifth.headers['retry-after'])).toBe(900);
      expect(fifth.body.error.details).toEqual({ retry_after_s: 900 });

      const before = await t.snapshot();
      const right = await login({ email: u.email, password: u.password }, ip);
      expectError(right, 429, 'RATE_429');
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(890);
      expectError(await login({ email: u.email, password: 'wrong again' }, ip), 429, 'RATE_429');
      expect(await t.snapshot()).toEqual(before);

      const locked = (await t.outbox('auth.login_locked')).filter((e) => e.envelope.data.email === u.email);
      expect(locked).toHaveLength(1);
      expect(locked[0]!.envelope).toMatchObject({
        source: 'auth', subject: u.userId,
        data: { email: u.email, ip, user_id: u.userId, failures: 5, locked_until: expect.any(String) },
      });
      const lockedUntil = new Date(locked[0]!.envelope.data.locked_until as string).getTime();
      expect(lockedUntil - Date.now()).toBeGreaterThan(880_000);

      const audit = (await auditFor(u.email)).map((a) => [a.event, a.details.reason ?? null]);
      expect(audit.filter(([e]) => e === 'login_locked')).toHaveLength(1);
      expect(audit.filter(([, r]) => r === 'locked')).toHaveLength(2);

      // Another IP is a different pair and still gets in.
      expect((await login({ email: u.email, password: u.password })).status).toBe(200);
    });

    it('also locks guesses at an unknown email, with user_id null in the event', async () => {
      const email = t.email('nobody');
      const ip = t.ip();
      for (let i = 1; i <= 4; i++) await login({ email, password: `guess number ${i}` }, ip);
      expectError(await login({ email, password: 'guess number 5' }, ip), 429, 'RATE_429');
      const locked = (await t.outbox('auth.login_locked')).filter((e) => e.envelope.data.email === email);
      expect(locked.map((e) => e.envelope.data.user_id)).toEqual([null]);
    });

    it('resets the count after a successful login', async () => {
      const u = await t.register();
      const ip = t.ip();
      for (let i = 1; i <= 4; i++) await login({ email: u.email, password: `wrong password ${i}` }, ip);
      expect((await login({ email: u.email, password: u.password }, ip)).status).toBe(200);
      for (let i = 1; i <= 4; i++) expectError(await login({ email: u.email, password: `wrong password ${i}` }, ip), 401, 'AUTH_001');
    });
  });
});
