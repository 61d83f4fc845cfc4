// Redis unreachable (a port where nothing listens): lockout fails open so people can still sign in,
// a revocation that cannot be recorded is a fast 503, and protected routes fail closed.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, bearer, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' }, { redisDown: true }); });
afterAll(() => t?.stop());

describe('with Redis down', () => {
  it('still registers, logs in and refreshes, each within a fast answer', async () => {
    const u = await t.register();
    const started = Date.now();
    const login = await request(t.app).post(`${API}/public/auth/login`).send({ email: u.email, password: u.password });
    expect(login.status).toBe(200);
    const wrong = await request(t.app).post(`${API}/public/auth/login`).send({ email: u.email, password: 'wrong wrong wrong' });
    expectError(wrong, 401, 'AUTH_001');
    const refreshed = await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: login.body.data.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('answers logout with a fast 503 and Retry-After; the session is revoked and a retry is safe', async () => {
    const u = await t.register();
    const res = await request(t.app).post(`${API}/public/auth/logout`).send({ refresh_token: u.refreshToken });
    expectError(res, 503, 'SYS_003');
    expect(res.headers['retry-after']).toBe('1');
    expect(await t.rows(`SELECT revoke_reason FROM auth.sessions WHERE id = $1`, [u.sessionId])).toEqual([{ revoke_reason: 'logout' }]);
    expectError(await request(t.app).post(`${API}/public/auth/refresh`).send({ refresh_token: u.refreshToken }), 401, 'AUTH_001');
  });

  it('fails closed on protected routes: the revocation list cannot be checked', async () => {
    const u = await t.register();
    expectError(await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(u.accessToken)), 503, 'SYS_003');
  });

  it('reports redis down on /ready', async () => {
    const ready = await request(t.app).get(`${API}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.data.checks.find((c: { name: string }) => c.name === 'redis').status).toBe('down');
  });
});
