import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFICATION_REQUESTED } from '../src/http/email-verification-router.ts';
import { auditRows, seedLinkToken, serviceToken, tokenFromOutbox } from './account-helpers.ts';
import { API, bearer, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const verify = (body: unknown) => request(t.app).post(`${API}/public/auth/verify-email`).set('x-forwarded-for', t.ip()).send(body as object);
const resend = (opts: { token?: string; body?: unknown; ip?: string } = {}) => {
  const req = request(t.app).post(`${API}/public/auth/verify-email/resend`).set('x-forwarded-for', opts.ip ?? t.ip());
  if (opts.token) req.set('authorization', bearer(opts.token));
  return opts.body === undefined ? req : req.send(opts.body as object);
};
const verificationEvents = async (userId: string) =>
  (await t.outbox('auth.email_verification_requested')).filter((e) => e.envelope.data.user_id === userId);
const isVerified = async (userId: string) =>
  (await t.rows<{ v: boolean }>(`SELECT email_verified AS v FROM auth.users WHERE id = $1`, [userId]))[0]!.v;

describe('POST /public/auth/verify-email', () => {
  it('verifies the email with the token from registration, once', async () => {
    const u = await t.register();
    const token = await tokenFromOutbox(t, 'auth.email_verification_requested', u.userId);
    const res = await verify({ token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ user: { id: u.userId, email: u.email, display_name: 'Test User', role: 'user', email_verified: true } });
    expect(await isVerified(u.userId)).toBe(true);
    expect(await auditRows(t, 'email_verified', u.userId)).toEqual([{ actor_id: u.userId, details: { token_id: expect.any(String), email: u.email } }]);

    const before = await t.snapshot();
    const again = await verify({ token });
    expectError(again, 401, 'AUTH_001');
    expect(again.body.error.message).toBe('Email verification token has already been used');
    expect(again.body.error.details).toEqual([{ field: 'token', issue: 'used', message: 'Was already used' }]);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an expired token with AUTH_002 and leaves the email unverified', async () => {
    const u = await t.register();
    const token = await seedLinkToken(t, u.userId, 'verify_email', { expiresInS: -60 });
    const before = await t.snapshot();
    const res = await verify({ token });
    expectError(res, 401, 'AUTH_002');
    expect(res.body.error.message).toBe('Email verification token has expired; request a new one');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses unknown, forged and password-reset tokens with AUTH_001', async () => {
    const u = await t.register();
    const resetToken = await seedLinkToken(t, u.userId, 'reset_password');
    const before = await t.snapshot();
    for (const token of ['B'.repeat(43), 'garbage!', resetToken]) {
      const res = await verify({ token });
      expectError(res, 401, 'AUTH_001');
      expect(res.body.error.message).toBe('Email verification token is invalid');
    }
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a token of a banned account', async () => {
    const u = await t.register();
    const token = await tokenFromOutbox(t, 'auth.email_verification_requested', u.userId);
    await t.rows(`UPDATE auth.users SET status = 'banned' WHERE id = $1`, [u.userId]);
    const before = await t.snapshot();
    expectError(await verify({ token }), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['no body', undefined, 400, 'VAL_001'],
      ['no token', {}, 400, 'VAL_001'],
      ['a non-string token', { token: 5 }, 400, 'VAL_001'],
      ['an unknown field', { token: 'B'.repeat(43), email: 'a@example.com' }, 400, 'VAL_001'],
      ['an empty token', { token: '' }, 422, 'VAL_003'],
      ['an absurdly long token', { token: 'x'.repeat(600) }, 422, 'VAL_003'],
    ])('%s', async (_label, body, status, code) => {
      const before = await t.snapshot();
      expectError(await verify(body), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});

describe('POST /public/auth/verify-email/resend (signed in)', () => {
  it('answers 202, issues a new token and emits the event; the older link stops working', async () => {
    const u = await t.register();
    const first = await tokenFromOutbox(t, 'auth.email_verification_requested', u.userId);
    const res = await resend({ token: u.accessToken });
    expect(res.status).toBe(202);
    const events = await verificationEvents(u.userId);
    expect(events).toHaveLength(2);
    expect(events[1]!.envelope).toMatchObject({ source: 'auth', subject: u.userId, data: { user_id: u.userId, email: u.email } });
    const second = events[1]!.envelope.data.token as string;

    const old = await verify({ token: first });
    expectError(old, 401, 'AUTH_001');
    expect(old.body.error.message).toMatch(/replaced by a newer one/);
    expect((await verify({ token: second })).status).toBe(200);
  });

  it('answers 409 BIZ_002 when the email is already verified, sending nothing', async () => {
    const u = await t.register();
    await t.rows(`UPDATE auth.users SET email_verified = true WHERE id = $1`, [u.userId]);
    const before = await t.snapshot();
    const res = await resend({ token: u.accessToken, body: {} });
    expectError(res, 409, 'BIZ_002');
    expect(res.body.error.message).toBe('Email address is already verified');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a body naming an email, a service token and a bad token, changing nothing', async () => {
    const u = await t.register();
    const before = await t.snapshot();
    expectError(await resend({ token: u.accessToken, body: { email: u.email } }), 400, 'VAL_001');
    expectError(await resend({ token: serviceToken(t), body: {} }), 403, 'AUTH_003');
    expectError(await resend({ token: 'not.a.jwt', body: { email: u.email } }), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('is rate-limited per email and IP', async () => {
    const u = await t.register();
    const ip = t.ip();
    for (let i = 0; i < 5; i++) expect((await resend({ token: u.accessToken, ip })).status).toBe(202);
    const before = await t.snapshot();
    expectError(await resend({ token: u.accessToken, ip }), 429, 'RATE_429');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('POST /public/auth/verify-email/resend (by email)', () => {
  it('gives the same 202 for an unverified, a verified and an unknown email; only the unverified one gets a link', async () => {
    const unverified = await t.register();
    const verified = await t.register();
    await t.rows(`UPDATE auth.users SET email_verified = true WHERE id = $1`, [verified.userId]);
    const ghost = t.email('ghost');

    const a = await resend({ body: { email: unverified.email.toUpperCase() } });
    const before = await t.snapshot();
    const b = await resend({ body: { email: verified.email } });
    const c = await resend({ body: { email: ghost } });
    expect(await t.snapshot()).toEqual(before);

    for (const res of [a, b, c]) {
      expect(res.status).toBe(202);
      expect(res.body.data).toEqual(VERIFICATION_REQUESTED);
    }
    expect(await verificationEvents(unverified.userId)).toHaveLength(2);
    expect(await verificationEvents(verified.userId)).toHaveLength(1);
    expect(await t.rows(`SELECT details FROM auth.audit_log WHERE event = 'email_verification_requested' AND details->>'email' = $1`, [ghost]))
      .toEqual([{ details: { email: ghost, outcome: 'unknown_email' } }]);
  });

  it('is rate-limited per email and IP, unknown emails too', async () => {
    const email = t.email('nobody');
    const ip = t.ip();
    for (let i = 0; i < 5; i++) expect((await resend({ body: { email }, ip })).status).toBe(202);
    const sixth = await resend({ body: { email }, ip });
    expectError(sixth, 429, 'RATE_429');
    expect(sixth.headers['retry-after']).toBeDefined();
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['no body', undefined, 400, 'VAL_001'],
      ['no email', {}, 400, 'VAL_001'],
      ['an unknown field', { email: 'a@example.com', token: 'x' }, 400, 'VAL_001'],
      ['a malformed email', { email: 'nope@' }, 422, 'VAL_002'],
    ])('%s', async (_label, body, status, code) => {
      const before = await t.snapshot();
      expectError(await resend({ body }), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});
