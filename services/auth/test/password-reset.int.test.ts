import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_REQUESTED } from '../src/http/password-router.ts';
import { auditRows, loginAs, seedLinkToken, sessionsList, tokenFromOutbox } from './account-helpers.ts';
import { API, expectError, startTestApp, STRONG_PASSWORD, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const NEW_PASSWORD = 'a brand new passphrase 42';

const forgot = (body: unknown, ip = t.ip()) =>
  request(t.app).post(`${API}/public/auth/forgot-password`).set('x-forwarded-for', ip).set('user-agent', 'reset-test').send(body as object);
const reset = (body: unknown) => request(t.app).post(`${API}/public/auth/reset-password`).set('x-forwarded-for', t.ip()).send(body as object);

const resetEvents = async (userId: string) => (await t.outbox('auth.password_reset_requested')).filter((e) => e.envelope.data.user_id === userId);
const resetRequestAudit = (email: string) =>
  t.rows<{ user_id: string | null; details: Record<string, unknown> }>(
    `SELECT user_id, details FROM auth.audit_log WHERE event = 'password_reset_requested' AND details->>'email' = $1 ORDER BY id`, [email]);

describe('POST /public/auth/forgot-password', () => {
  it('answers 202 and, for an active account, stores a hashed 1-hour token and emits auth.password_reset_requested', async () => {
    const u = await t.register({ displayName: 'Reset Me' });
    const started = Date.now();
    const res = await forgot({ email: `  ${u.email.toUpperCase()} ` });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, status_code: 202, data: RESET_REQUESTED });

    const events = await resetEvents(u.userId);
    expect(events).toHaveLength(1);
    const { envelope } = events[0]!;
    expect(envelope).toMatchObject({ source: 'auth', subject: u.userId, data: { user_id: u.userId, email: u.email, display_name: 'Reset Me' } });
    const token = envelope.data.token as string;
    const expiresAt = new Date(envelope.data.expires_at as string).getTime();
    expect(expiresAt - started).toBeGreaterThan(3590_000);
    expect(expiresAt - started).toBeLessThan(3610_000);

    const rows = await t.rows<{ purpose: string; token_hash: Buffer; used_at: Date | null }>(
      `SELECT purpose, token_hash, used_at FROM auth.one_time_tokens WHERE user_id = $1 AND purpose = 'reset_password'`, [u.userId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(rows[0]!.used_at).toBeNull();
    expect(await resetRequestAudit(u.email)).toEqual([{ user_id: u.userId, details: { email: u.email, outcome: 'sent' } }]);
  });

  it('gives an unknown email, a banned and a deleted account the same 202 and body, after the same minimum time, and no token', async () => {
    const known = await t.register();
    const banned = await t.register();
    const deleted = await t.register();
    await t.rows(`UPDATE auth.users SET status = 'banned' WHERE id = $1`, [banned.userId]);
    await t.rows(`UPDATE auth.users SET status = 'deleted' WHERE id = $1`, [deleted.userId]);
    const ghost = t.email('ghost');

    const timed = async (email: string) => {
      const started = performance.now();
      const res = await forgot({ email });
      return { res, ms: performance.now() - started };
    };
    const knownRes = await timed(known.email);
    const before = await t.snapshot();
    const others = [await timed(ghost), await timed(banned.email), await timed(deleted.email)];
    expect(await t.snapshot()).toEqual(before);

    for (const { res, ms } of [knownRes, ...others]) {
      expect(res.status).toBe(202);
      expect(res.body.data).toEqual(knownRes.res.body.data);
      expect(ms).toBeGreaterThanOrEqual(t.deps.settings.mailRequestMinMs - 5);
    }
    expect(await resetRequestAudit(ghost)).toEqual([{ user_id: null, details: { email: ghost, outcome: 'unknown_email' } }]);
    expect(await resetRequestAudit(banned.email)).toEqual([{ user_id: banned.userId, details: { email: banned.email, outcome: 'banned' } }]);
    expect(await resetEvents(banned.userId)).toEqual([]);
  });

  it('supersedes the earlier unused reset token with each new request', async () => {
    const u = await t.register();
    await forgot({ email: u.email });
    const first = await tokenFromOutbox(t, 'auth.password_reset_requested', u.userId);
    await forgot({ email: u.email });
    const second = await tokenFromOutbox(t, 'auth.password_reset_requested', u.userId);
    expect(second).not.toBe(first);

    const before = await t.snapshot();
    const old = await reset({ token: first, password: NEW_PASSWORD });
    expectError(old, 401, 'AUTH_001');
    expect(old.body.error.message).toBe('Password reset token was replaced by a newer one; use the latest link');
    expect(await t.snapshot()).toEqual(before);
    expect((await reset({ token: second, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('allows 5 requests per email and IP in 15 minutes, then 429 with Retry-After (known or unknown email alike)', async () => {
    for (const email of [(await t.register()).email, t.email('nobody')]) {
      const ip = t.ip();
      for (let i = 0; i < 5; i++) expect((await forgot({ email }, ip)).status).toBe(202);
      const before = await t.snapshot();
      const sixth = await forgot({ email }, ip);
      expectError(sixth, 429, 'RATE_429');
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(800);
      expect(await t.snapshot()).toEqual(before);
      // Another IP is another pair.
      expect((await forgot({ email })).status).toBe(202);
    }
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['no body', undefined, 400, 'VAL_001'],
      ['no email', {}, 400, 'VAL_001'],
      ['a non-string email', { email: 42 }, 400, 'VAL_001'],
      ['an unknown field', { email: 'a@example.com', redirect: 'https://evil.example' }, 400, 'VAL_001'],
      ['a malformed email', { email: 'not-an-email' }, 422, 'VAL_002'],
      ['an absurdly long email', { email: `${'a'.repeat(400)}@example.com` }, 422, 'VAL_003'],
    ])('%s', async (_label, body, status, code) => {
      const before = await t.snapshot();
      expectError(await forgot(body), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});

describe('POST /public/auth/reset-password', () => {
  it('sets the password, spends the token, ends every session and revokes every access token', async () => {
    const u = await t.register();
    const other = await loginAs(t, u.email, u.password);
    await forgot({ email: u.email });
    const token = await tokenFromOutbox(t, 'auth.password_reset_requested', u.userId);

    const res = await reset({ token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ user: { id: u.userId, email: u.email, display_name: 'Test User', role: 'user', email_verified: false } });

    expect(await t.rows(`SELECT used_at IS NOT NULL AS used FROM auth.one_time_tokens WHERE user_id = $1 AND purpose = 'reset_password'`, [u.userId]))
      .toEqual([{ used: true }]);
    expect(await t.rows(`SELECT count(*)::int AS n, count(*) FILTER (WHERE revoke_reason = 'password_reset')::int AS reset FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NOT NULL`, [u.userId]))
      .toEqual([{ n: 2, reset: 2 }]);
    expect(Number(await t.redis.get(`revoked:user:${u.userId}`))).toBeGreaterThan(Date.now() / 1000 - 5);
    expectError(await sessionsList(t, u.accessToken), 401, 'AUTH_001');
    expectError(await sessionsList(t, other.body.data.access_token), 401, 'AUTH_001');
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: u.refreshToken }), 401, 'AUTH_001');

    expectError(await loginAs(t, u.email, u.password), 401, 'AUTH_001');
    expect((await loginAs(t, u.email, NEW_PASSWORD)).status).toBe(200);
    expect(await auditRows(t, 'password_reset', u.userId)).toEqual([
      { actor_id: u.userId, details: { token_id: expect.any(String), sessions_revoked: 2, email_verified: false } },
    ]);
  });

  it('accepts an invitation\'s set_password token, which also verifies the email and is audited as password_set', async () => {
    const email = t.email('invited');
    const [{ id }] = await t.rows<{ id: string }>(`INSERT INTO auth.users (email, display_name) VALUES ($1, 'Invited') RETURNING id`, [email]) as [{ id: string }];
    const token = await seedLinkToken(t, id, 'set_password', { expiresInS: 7 * 86400 });
    const res = await reset({ token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ id, email_verified: true });
    expect((await loginAs(t, email, NEW_PASSWORD)).status).toBe(200);
    expect(await auditRows(t, 'password_set', id)).toHaveLength(1);
  });

  describe('refuses a token that cannot be used, with a precise message, changing nothing', () => {
    it.each([
      ['used', { used: true }, 401, 'AUTH_001', 'Password reset token has already been used'],
      ['expired', { expiresInS: -1 }, 401, 'AUTH_002', 'Password reset token has expired; request a new one'],
    ])('%s', async (_label, opts, status, code, message) => {
      const u = await t.register();
      const token = await seedLinkToken(t, u.userId, 'reset_password', opts);
      const before = await t.snapshot();
      const res = await reset({ token, password: NEW_PASSWORD });
      expectError(res, status, code);
      expect(res.body.error.message).toBe(message);
      expect(await t.snapshot()).toEqual(before);
      expect(await t.redis.exists(`revoked:user:${u.userId}`)).toBe(0);
    });

    it('unknown, forged and verification tokens', async () => {
      const u = await t.register();
      const verify = await tokenFromOutbox(t, 'auth.email_verification_requested', u.userId);
      const before = await t.snapshot();
      for (const token of ['A'.repeat(43), 'not a token', `${verify}x`, verify]) {
        const res = await reset({ token, password: NEW_PASSWORD });
        expectError(res, 401, 'AUTH_001');
        expect(res.body.error.message).toBe('Password reset token is invalid');
      }
      expect(await t.snapshot()).toEqual(before);
    });

    it('a second use of the same token, after a success', async () => {
      const u = await t.register();
      const token = await seedLinkToken(t, u.userId, 'reset_password');
      expect((await reset({ token, password: NEW_PASSWORD })).status).toBe(200);
      const before = await t.snapshot();
      expectError(await reset({ token, password: 'yet another passphrase 7' }), 401, 'AUTH_001');
      expect(await t.snapshot()).toEqual(before);
    });

    it('a banned account (AUTH_003) and a deleted one (AUTH_001)', async () => {
      for (const [status, http, code] of [['banned', 403, 'AUTH_003'], ['deleted', 401, 'AUTH_001']] as const) {
        const u = await t.register();
        const token = await seedLinkToken(t, u.userId, 'reset_password');
        await t.rows(`UPDATE auth.users SET status = $2 WHERE id = $1`, [u.userId, status]);
        const before = await t.snapshot();
        expectError(await reset({ token, password: NEW_PASSWORD }), http, code);
        expect(await t.snapshot()).toEqual(before);
      }
    });
  });

  describe('applies the password policy with field-level errors, leaving the token unused', () => {
    it.each([
      ['too short', 'short pw', 'VAL_003', ['too_short']],
      ['common', 'password1234', 'VAL_002', ['common_password']],
      ['too long', 'x'.repeat(129), 'VAL_003', ['too_long']],
    ])('%s', async (_label, password, code, issues) => {
      const u = await t.register();
      const token = await seedLinkToken(t, u.userId, 'reset_password');
      const before = await t.snapshot();
      const res = await reset({ token, password });
      expectError(res, 422, code);
      expect(res.body.error.details.map((d: { field: string; issue: string }) => [d.field, d.issue])).toEqual(issues.map((i) => ['password', i]));
      expect(await t.snapshot()).toEqual(before);
    });

    it('the email address as the password', async () => {
      const u = await t.register({ email: t.email('samepassword') });
      const token = await seedLinkToken(t, u.userId, 'reset_password');
      const res = await reset({ token, password: u.email });
      expectError(res, 422, 'VAL_002');
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'password', issue: 'same_as_email' })]);
    });
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['no body', undefined, 400, 'VAL_001'],
      ['no token', { password: STRONG_PASSWORD }, 400, 'VAL_001'],
      ['no password', { token: 'A'.repeat(43) }, 400, 'VAL_001'],
      ['an unknown field', { token: 'A'.repeat(43), password: STRONG_PASSWORD, email: 'a@example.com' }, 400, 'VAL_001'],
      ['a non-string password', { token: 'A'.repeat(43), password: 123456789012 }, 400, 'VAL_001'],
      ['an empty token', { token: '', password: STRONG_PASSWORD }, 422, 'VAL_003'],
    ])('%s', async (_label, body, status, code) => {
      const before = await t.snapshot();
      expectError(await reset(body), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});
