// The run command, end to end: `npm start`'s launcher brings auth up on an empty database (it
// migrates and bootstraps the admin itself), a client goes through the account lifecycle over
// HTTP only, and SIGTERM stops everything cleanly.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const base = 'http://127.0.0.1:3001/api/v1';
let platform: PlatformProcess;

beforeAll(async () => {
  platform = await startPlatform({ LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await platform?.stop();
});

describe('npm start', () => {
  it('prints where to reach the services and the development admin', () => {
    const text = platform.output.join('\n');
    expect(text).toContain('auth');
    expect(text).toContain('http://127.0.0.1:3001/api/v1');
    expect(text).toMatch(/admin: \S+@\S+ \/ /);
  });

  it('serves health, readiness with each dependency, metrics and the JWKS', async () => {
    expect((await call('GET', `${base}/health`)).status).toBe(200);
    const ready = await call('GET', `${base}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks.map((c: { name: string }) => c.name).sort()).toEqual(expect.arrayContaining(['postgres', 'redis']));
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toContain('http_requests_total');
    const jwks = await call('GET', `${base}/public/auth/.well-known/jwks.json`);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.body.keys[0].kid).toBeTruthy();
  });

  it('takes a user through register, login, refresh, sessions and logout', async () => {
    const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'Correct-Horse-Battery-9';
    const reg = await call('POST', `${base}/public/auth/register`, { body: { email, password, display_name: 'E2E User' } });
    expect(reg.status).toBe(201);
    expect(reg.body.data).toMatchObject({ user: { email, display_name: 'E2E User', role: 'user', email_verified: false }, token_type: 'Bearer' });

    const bad = await call('POST', `${base}/public/auth/login`, { body: { email, password: 'wrong-password-123' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ success: false, error: { code: 'AUTH_001' } });

    const login = await call('POST', `${base}/public/auth/login`, { body: { email, password } });
    expect(login.status).toBe(200);
    const { access_token, refresh_token, expires_in } = login.body.data;
    expect(expires_in).toBeLessThanOrEqual(900);

    const sessions = await call('GET', `${base}/auth/sessions`, { token: access_token });
    expect(sessions.status).toBe(200);
    expect(sessions.body.data.length).toBe(2);
    expect(sessions.body.meta.pagination.total).toBe(2);

    const refreshed = await call('POST', `${base}/public/auth/refresh`, { body: { refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.refresh_token).not.toBe(refresh_token);

    const out = await call('POST', `${base}/public/auth/logout`, { body: { refresh_token: refreshed.body.data.refresh_token } });
    expect(out.status).toBe(204);
    const after = await call('POST', `${base}/public/auth/refresh`, { body: { refresh_token: refreshed.body.data.refresh_token } });
    expect(after.status).toBe(401);
    // The access token of the logged-out session is rejected at once (Redis revocation list).
    const revoked = await call('GET', `${base}/auth/sessions`, { token: refreshed.body.data.access_token });
    expect(revoked.status).toBe(401);
  });

  it('lets the bootstrapped admin and a platform service account in', async () => {
    const login = await call('POST', `${base}/public/auth/login`, { body: { email: 'admin@platform.local', password: 'DevAdmin-Passw0rd!' } });
    expect(login.status).toBe(200);
    expect(login.body.data.user.role).toBe('admin');
    const token = await call('POST', `${base}/public/auth/token`, {
      body: { grant_type: 'client_credentials', client_id: 'user', client_secret: 'dev-user-secret-123456' },
    });
    expect(token.status).toBe(200);
    expect(token.body.data).toMatchObject({ token_type: 'Bearer' });
  });

  it('stops every process cleanly on SIGTERM', async () => {
    const { code } = await platform.stop();
    expect(code).toBe(0);
    await expect(fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    expect(platform.output.join('\n')).toContain('[start] stopped');
  });
});
