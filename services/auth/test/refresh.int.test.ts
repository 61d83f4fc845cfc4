import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpaqueToken, hashToken } from '../src/domain/opaque-token.ts';
import { API, bearer, decodeJwt, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const refresh = (body: unknown) => request(t.app).post(`${API}/public/auth/refresh`).set('x-forwarded-for', t.ip()).send(body as object);
const sessionOf = (sid: string) => t.rows<{ revoked_at: Date | null; revoke_reason: string | null }>(
  `SELECT revoked_at, revoke_reason FROM auth.sessions WHERE id = $1`, [sid]);
const sessionsList = (token: string) => request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(token));
/** Pretends the token was rotated long enough ago to be past the grace window. */
const ageRotation = (sid: string) => t.rows(`UPDATE auth.refresh_tokens SET used_at = now() - interval '1 minute' WHERE session_id = $1 AND used_at IS NOT NULL`, [sid]);

describe('POST /public/auth/refresh', () => {
  it('rotates: a new pair for the same session, the old token spent, the session extended', async () => {
    const u = await t.register();
    const res = await refresh({ refresh_token: u.refreshToken });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.data).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
    expect(res.body.data.refresh_token).not.toBe(u.refreshToken);
    const claims = decodeJwt(res.body.data.access_token).payload;
    expect(claims).toMatchObject({ sub: u.userId, sid: u.sessionId, role: 'user' });
    expect(claims.jti).not.toBe(decodeJwt(u.accessToken).payload.jti);

    const tokens = await t.rows<{ used_at: Date | null; replaced_by: string | null; id: string }>(
      `SELECT id, used_at, replaced_by FROM auth.refresh_tokens WHERE session_id = $1 ORDER BY created_at`, [u.sessionId]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]!.used_at).not.toBeNull();
    expect(tokens[0]!.replaced_by).toBe(tokens[1]!.id);
    expect(tokens[1]!.used_at).toBeNull();
    expect(await t.rows(`SELECT event FROM auth.audit_log WHERE user_id = $1 AND event = 'refresh'`, [u.userId])).toHaveLength(1);

    // The new refresh token rotates again.
    expect((await refresh({ refresh_token: res.body.data.refresh_token })).status).toBe(200);
  });

  it('answers the same pair to the same token presented again within the grace window (two tabs)', async () => {
    const u = await t.register();
    const [first, second] = await Promise.all([refresh({ refresh_token: u.refreshToken }), refresh({ refresh_token: u.refreshToken })]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual(first.body.data);
    const third = await refresh({ refresh_token: u.refreshToken });
    expect(third.body.data).toEqual(first.body.data);
    expect((await sessionOf(u.sessionId))[0]!.revoked_at).toBeNull();
    // Only one rotation happened.
    expect(await t.rows(`SELECT id FROM auth.refresh_tokens WHERE session_id = $1`, [u.sessionId])).toHaveLength(2);
    // The pair is cached encrypted: neither token appears in Redis in clear.
    const cached = await t.redis.get(`auth:refresh-grace:${hashToken(u.refreshToken).toString('base64url')}`);
    expect(cached).toEqual(expect.any(String));
    expect(cached).not.toContain(first.body.data.refresh_token);
    expect(cached).not.toContain(first.body.data.access_token.split('.')[1]);
  });

  it('revokes the whole family when a rotated token is reused after the grace window', async () => {
    const u = await t.register();
    const rotated = await refresh({ refresh_token: u.refreshToken });
    const newPair = rotated.body.data;
    await ageRotation(u.sessionId);

    const reuse = await refresh({ refresh_token: u.refreshToken });
    expectError(reuse, 401, 'AUTH_001');
    expect(reuse.body.error.message).toMatch(/already used/);
    expect(await sessionOf(u.sessionId)).toEqual([{ revoked_at: expect.any(Date), revoke_reason: 'refresh_reuse' }]);
    expect(await t.rows(`SELECT details->>'session_id' AS sid FROM auth.audit_log WHERE event = 'refresh_reuse_detected' AND user_id = $1`, [u.userId]))
      .toEqual([{ sid: u.sessionId }]);

    // The legitimate holder's newer refresh token and access token die with the family.
    expectError(await refresh({ refresh_token: newPair.refresh_token }), 401, 'AUTH_001');
    expectError(await sessionsList(newPair.access_token), 401, 'AUTH_001');
    expect(await t.redis.exists(`revoked:sid:${u.sessionId}`)).toBe(1);
  });

  it('refuses a spent token within the grace window when no pair is cached, without revoking', async () => {
    const u = await t.register();
    await refresh({ refresh_token: u.refreshToken });
    expect(await t.redis.del(`auth:refresh-grace:${hashToken(u.refreshToken).toString('base64url')}`)).toBe(1);
    const before = await t.snapshot();
    expectError(await refresh({ refresh_token: u.refreshToken }), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an expired session with AUTH_002 and changes nothing', async () => {
    const u = await t.register();
    await t.rows(`UPDATE auth.sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [u.sessionId]);
    const before = await t.snapshot();
    const res = await refresh({ refresh_token: u.refreshToken });
    expectError(res, 401, 'AUTH_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a token of a logged-out session with AUTH_001', async () => {
    const u = await t.register();
    await request(t.app).post(`${API}/public/auth/logout`).send({ refresh_token: u.refreshToken }).expect(204);
    const before = await t.snapshot();
    const res = await refresh({ refresh_token: u.refreshToken });
    expectError(res, 401, 'AUTH_001');
    expect(res.body.error.message).toMatch(/revoked/);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses and ends the session of a user banned since login', async () => {
    const u = await t.register();
    await t.rows(`UPDATE auth.users SET status = 'banned' WHERE id = $1`, [u.userId]);
    expectError(await refresh({ refresh_token: u.refreshToken }), 403, 'AUTH_003');
    expect(await sessionOf(u.sessionId)).toEqual([{ revoked_at: expect.any(Date), revoke_reason: 'banned' }]);
    expect(await t.rows(`SELECT id FROM auth.refresh_tokens WHERE session_id = $1`, [u.sessionId])).toHaveLength(1);
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['an unknown (forged) token', () => ({ refresh_token: generateOpaqueToken() }), 401, 'AUTH_001'],
      ['a malformed token', () => ({ refresh_token: 'definitely-not-a-token' }), 401, 'AUTH_001'],
      ['an access token in place of a refresh token', () => ({ refresh_token: 'eyJhbGciOiJSUzI1NiJ9.e30.sig' }), 401, 'AUTH_001'],
      ['a missing token', () => ({}), 400, 'VAL_001'],
      ['an empty token', () => ({ refresh_token: '' }), 422, 'VAL_003'],
      ['a number as token', () => ({ refresh_token: 1 }), 400, 'VAL_001'],
      ['an extra field', () => ({ refresh_token: generateOpaqueToken(), scope: 'x' }), 400, 'VAL_001'],
      ['no body', () => undefined, 400, 'VAL_001'],
    ])('%s', async (_label, body, status, code) => {
      await t.register();
      const before = await t.snapshot();
      expectError(await refresh(body()), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});
