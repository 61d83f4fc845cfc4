// Through the front door: `npm start` brings up auth and the gateway; a client registers and logs
// in through /KONGAPI, calls a protected auth route with its token, and calls without a token or
// with a tampered one are refused by the gateway itself: the auth service never sees them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const authDirect = 'http://127.0.0.1:3001/api/v1';
let platform: PlatformProcess;

/** How many requests auth itself has answered on GET /auth/sessions (its own Prometheus counter). */
async function sessionsRequestsSeenByAuth(): Promise<number> {
  const text = await (await fetch(`${authDirect}/metrics`)).text();
  return text.split('\n')
    .filter((line) => line.startsWith('http_requests_total{') && line.includes('route="/api/v1/auth/sessions"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const tamper = (jwt: string) => {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.role = 'admin';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
};

beforeAll(async () => {
  platform = await startPlatform({ LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await platform?.stop();
});

describe('the gateway in front of auth', () => {
  let accessToken = '';

  it('prints the gateway URL', () => {
    expect(platform.output.join('\n')).toContain(`gateway: ${api}`);
  });

  it('answers its own public health and 404s what no route matches', async () => {
    expect((await call('GET', `${api}/public/health`)).status).toBe(200);
    const none = await call('GET', 'http://127.0.0.1:8000/nowhere');
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ success: false, error: { message: 'no Route matched with those values' } });
  });

  it('registers and logs in through the gateway, then calls a protected route with the token', async () => {
    const email = `gw-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'Gateway-Flow-Passw0rd';
    const reg = await call('POST', `${api}/public/auth/register`, { body: { email, password, display_name: 'Via Gateway' } });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('x-kong-request-id')).toBeTruthy();
    const login = await call('POST', `${api}/public/auth/login`, { body: { email, password } });
    expect(login.status).toBe(200);
    accessToken = login.body.data.access_token;

    const sessions = await call('GET', `${api}/auth/sessions`, { token: accessToken });
    expect(sessions.status).toBe(200);
    expect(sessions.body.data).toHaveLength(2);
    expect(sessions.headers.get('x-kong-upstream-latency')).toMatch(/^\d+$/);
  });

  it('refuses a missing or tampered token at the gateway, before the service', async () => {
    const before = await sessionsRequestsSeenByAuth();
    const missing = await call('GET', `${api}/auth/sessions`);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ success: false, status_code: 401, error: { code: 'AUTH_001', message: 'Unauthorized' } });
    const tampered = await call('GET', `${api}/auth/sessions`, { token: tamper(accessToken) });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ success: false, error: { code: 'AUTH_001', message: 'Invalid signature' } });
    expect(await sessionsRequestsSeenByAuth()).toBe(before);
  });
});
