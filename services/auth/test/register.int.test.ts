import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, decodeJwt, expectError, startTestApp, STRONG_PASSWORD, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const post = (body: unknown) => request(t.app).post(`${API}/public/auth/register`).set('x-forwarded-for', t.ip()).send(body as object);

describe('POST /public/auth/register', () => {
  it('creates the user, a session and the events, and answers 201 with tokens', async () => {
    const email = t.email('New.User');
    const res = await request(t.app).post(`${API}/public/auth/register`)
      .set('x-forwarded-for', '203.0.113.7').set('user-agent', 'vitest-agent')
      .send({ email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD, display_name: '  Ann   Smith ' });

    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { data } = res.body;
    expect(data).toEqual({
      user: { id: expect.any(String), email, display_name: 'Ann Smith', role: 'user', email_verified: false },
      access_token: expect.any(String), refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), token_type: 'Bearer', expires_in: 900,
    });

    const { header, payload } = decodeJwt(data.access_token);
    expect(header).toMatchObject({ alg: 'RS256', kid: t.keys.active.kid });
    expect(payload).toMatchObject({ iss: 'platform-auth', sub: data.user.id, role: 'user', sid: expect.any(String), jti: expect.any(String) });
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);

    const [user] = await t.rows<{ password_hash: string; email: string }>(`SELECT email, password_hash FROM auth.users WHERE id = $1`, [data.user.id]);
    expect(user!.email).toBe(email);
    expect(user!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);

    const sessions = await t.rows(`SELECT id, host(ip) AS ip, user_agent FROM auth.sessions WHERE user_id = $1`, [data.user.id]);
    expect(sessions).toEqual([{ id: payload.sid, ip: '203.0.113.7', user_agent: 'vitest-agent' }]);
    // Only the digest of the refresh token is stored.
    const tokens = await t.rows<{ token_hash: Buffer }>(`SELECT token_hash FROM auth.refresh_tokens WHERE session_id = $1`, [payload.sid]);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.token_hash.toString('base64url')).not.toBe(data.refresh_token);

    const registered = (await t.outbox('user.registered')).filter((e) => e.envelope.subject === data.user.id);
    expect(registered).toHaveLength(1);
    expect(registered[0]!.envelope).toMatchObject({
      type: 'user.registered', source: 'auth', data: { user_id: data.user.id, email, display_name: 'Ann Smith', role: 'user', email_verified: false },
    });
    const verification = (await t.outbox('auth.email_verification_requested')).filter((e) => e.envelope.subject === data.user.id);
    expect(verification).toHaveLength(1);
    const token = verification[0]!.envelope.data.token as string;
    const stored = await t.rows(`SELECT purpose, used_at FROM auth.one_time_tokens WHERE user_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))`, [data.user.id, token]);
    expect(stored).toEqual([{ purpose: 'verify_email', used_at: null }]);

    const audit = await t.rows(`SELECT event, host(ip) AS ip, user_agent FROM auth.audit_log WHERE user_id = $1 ORDER BY id`, [data.user.id]);
    expect(audit).toEqual([
      { event: 'register', ip: '203.0.113.7', user_agent: 'vitest-agent' },
      { event: 'email_verification_requested', ip: '203.0.113.7', user_agent: 'vitest-agent' },
    ]);
  });

  it('refuses a duplicate email, whatever its case, with BIZ_002 and changes nothing', async () => {
    const { email } = await t.register();
    const before = await t.snapshot();
    const res = await post({ email: email.toUpperCase(), password: STRONG_PASSWORD, display_name: 'Again' });
    expectError(res, 409, 'BIZ_002');
    expect(res.body.error.details).toEqual([{ field: 'email', issue: 'taken', message: expect.any(String) }]);
    expect(await t.snapshot()).toEqual(before);
  });

  describe('bad input: clear error, nothing written', () => {
    const cases: [string, () => unknown, number, string, { field: string; issue: string }[]][] = [
      ['missing body', () => undefined, 400, 'VAL_001', [{ field: 'body', issue: 'required' }]],
      ['missing password', () => ({ email: t.email(), display_name: 'A' }), 400, 'VAL_001', [{ field: 'password', issue: 'required' }]],
      ['missing email and display_name', () => ({ password: STRONG_PASSWORD }), 400, 'VAL_001',
        [{ field: 'email', issue: 'required' }, { field: 'display_name', issue: 'required' }]],
      ['an unknown field', () => ({ email: t.email(), password: STRONG_PASSWORD, display_name: 'A', role: 'admin' }), 400, 'VAL_001',
        [{ field: 'role', issue: 'unknown_field' }]],
      ['a number as email', () => ({ email: 42, password: STRONG_PASSWORD, display_name: 'A' }), 400, 'VAL_001', [{ field: 'email', issue: 'invalid_type' }]],
      ['a malformed email', () => ({ email: 'not-an-email', password: STRONG_PASSWORD, display_name: 'A' }), 422, 'VAL_002',
        [{ field: 'email', issue: 'invalid_format' }]],
      ['a short password', () => ({ email: t.email(), password: 'short-Pw1!', display_name: 'A' }), 422, 'VAL_003',
        [{ field: 'password', issue: 'too_short' }]],
      ['a 129-character password', () => ({ email: t.email(), password: 'x'.repeat(129), display_name: 'A' }), 422, 'VAL_003',
        [{ field: 'password', issue: 'too_long' }]],
      ['a common password', () => ({ email: t.email(), password: 'Password1234', display_name: 'A' }), 422, 'VAL_002',
        [{ field: 'password', issue: 'common_password' }]],
      ['the email as password', () => { const e = t.email(); return { email: e, password: e, display_name: 'A' }; }, 422, 'VAL_002',
        [{ field: 'password', issue: 'same_as_email' }]],
      ['a bad email and a short password together', () => ({ email: 'x@', password: 'short', display_name: 'A' }), 422, 'VAL_002',
        [{ field: 'email', issue: 'invalid_format' }, { field: 'password', issue: 'too_short' }]],
      ['an empty display name', () => ({ email: t.email(), password: STRONG_PASSWORD, display_name: '   ' }), 422, 'VAL_003',
        [{ field: 'display_name', issue: 'too_small' }]],
      ['a display name with control characters', () => ({ email: t.email(), password: STRONG_PASSWORD, display_name: 'a\u0007b' }), 422, 'VAL_002',
        [{ field: 'display_name', issue: 'invalid_format' }]],
    ];

    it.each(cases)('%s', async (_label, body, status, code, details) => {
      const before = await t.snapshot();
      const res = await post(body());
      expectError(res, status, code);
      expect(res.body.error.details).toEqual(details.map((d) => expect.objectContaining(d)));
      expect(await t.snapshot()).toEqual(before);
    });

    it('malformed JSON', async () => {
      const before = await t.snapshot();
      const res = await request(t.app).post(`${API}/public/auth/register`).set('content-type', 'application/json').send('{"email":');
      expectError(res, 400, 'VAL_001');
      expect(await t.snapshot()).toEqual(before);
    });

    it('a body over the size limit', async () => {
      const before = await t.snapshot();
      const res = await post({ email: t.email(), password: STRONG_PASSWORD, display_name: 'x'.repeat(30_000) });
      expectError(res, 413, 'REQ_413');
      expect(await t.snapshot()).toEqual(before);
    });
  });
});
