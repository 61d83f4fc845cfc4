import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpaqueToken } from '../src/domain/opaque-token.ts';
import { API, bearer, expectError, makeKeyFiles, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const logout = (body: unknown) => request(t.app).post(`${API}/public/auth/logout`).send(body as object);
const logoutAll = (token?: string) => {
  const req = request(t.app).post(`${API}/public/auth/logout-all`);
  return token ? req.set('authorization', bearer(token)) : req;
};
const sessionsList = (token: string) => request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(token));
const login = (email: string, password: string) => request(t.app).post(`${API}/public/auth/login`).set('x-forwarded-for', t.ip()).send({ email, password });

describe('POST /public/auth/logout', () => {
  it('answers 204, revokes the session and its access tokens at once, and audits it', async () => {
    const u = await t.register();
    expect((await sessionsList(u.accessToken)).status).toBe(200);

    const res = await logout({ refresh_token: u.refreshToken });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await t.rows(`SELECT revoke_reason FROM auth.sessions WHERE id = $1`, [u.sessionId])).toEqual([{ revoke_reason: 'logout' }]);
    expect(await t.redis.ttl(`revoked:sid:${u.sessionId}`)).toBeGreaterThanOrEqual(900);
    expectError(await sessionsList(u.accessToken), 401, 'AUTH_001');
    expect(await t.rows(`SELECT event FROM auth.audit_log WHERE user_id = $1 AND event = 'logout'`, [u.userId])).toHaveLength(1);
  });

  it('is idempotent: a second logout answers 204 and writes nothing more', async () => {
    const u = await t.register();
    await logout({ refresh_token: u.refreshToken }).expect(204);
    const before = await t.snapshot();
    await logout({ refresh_token: u.refreshToken }).expect(204);
    expect(await t.snapshot()).toEqual(before);
    expect(await t.rows(`SELECT event FROM auth.audit_log WHERE user_id = $1 AND event = 'logout'`, [u.userId])).toHaveLength(1);
  });

  it('leaves the user\'s other sessions alone', async () => {
    const u = await t.register();
    const other = await login(u.email, u.password);
    await logout({ refresh_token: u.refreshToken }).expect(204);
    expect((await sessionsList(other.body.data.access_token)).status).toBe(200);
  });

  describe('bad input: clear error, nothing written', () => {
    it.each([
      ['an unknown (forged) token', () => ({ refresh_token: generateOpaqueToken() }), 401, 'AUTH_001'],
      ['a malformed token', () => ({ refresh_token: 'x' }), 401, 'AUTH_001'],
      ['a missing token', () => ({}), 400, 'VAL_001'],
      ['an extra field', () => ({ refresh_token: generateOpaqueToken(), all: true }), 400, 'VAL_001'],
    ])('%s', async (_label, body, status, code) => {
      await t.register();
      const before = await t.snapshot();
      expectError(await logout(body()), status as number, code as string);
      expect(await t.snapshot()).toEqual(before);
    });
  });
});

describe('POST /public/auth/logout-all', () => {
  it('answers 204, revokes every session and every access token issued so far', async () => {
    const u = await t.register();
    const second = await login(u.email, u.password);
    expect(second.status).toBe(200);

    expect((await logoutAll(u.accessToken)).status).toBe(204);
    expect(await t.rows(`SELECT count(*)::int AS n FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NULL`, [u.userId])).toEqual([{ n: 0 }]);
    const revokedBefore = Number(await t.redis.get(`revoked:user:${u.userId}`));
    expect(revokedBefore).toBeGreaterThan(Date.now() / 1000 - 5);
    expectError(await sessionsList(u.accessToken), 401, 'AUTH_001');
    expectError(await sessionsList(second.body.data.access_token), 401, 'AUTH_001');
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: second.body.data.refresh_token }), 401, 'AUTH_001');
    expect(await t.rows(`SELECT details FROM auth.audit_log WHERE user_id = $1 AND event = 'logout_all'`, [u.userId]))
      .toEqual([{ details: { sessions_revoked: 2 } }]);

    // Signing in again right away works.
    const again = await login(u.email, u.password);
    expect((await sessionsList(again.body.data.access_token)).status).toBe(200);
  });

  it('refuses without a token, with an expired token, a forged one and a service token, changing nothing', async () => {
    const u = await t.register();
    const { privatePem } = makeKeyFiles();
    const expired = jwt.sign({ role: 'user', sid: u.sessionId }, t.keys.active.privateKey,
      { algorithm: 'RS256', keyid: t.keys.active.kid, issuer: 'platform-auth', subject: u.userId, expiresIn: -60 });
    const forged = jwt.sign({ role: 'user', sid: u.sessionId }, privatePem,
      { algorithm: 'RS256', keyid: t.keys.active.kid, issuer: 'platform-auth', subject: u.userId, expiresIn: 600 });
    const service = t.deps.signer.signServiceToken({ clientId: 'user' }).token;
    const before = await t.snapshot();

    expectError(await logoutAll(), 401, 'AUTH_001');
    expectError(await logoutAll(expired), 401, 'AUTH_002');
    expectError(await logoutAll(forged), 401, 'AUTH_001');
    expectError(await logoutAll(service), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
    expect(await t.redis.exists(`revoked:user:${u.userId}`)).toBe(0);
  });
});
