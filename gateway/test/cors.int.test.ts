// cors through the real gateway: the preflight is answered before jwt (priority 2000 > 1450) and
// never reaches the upstream; proxied answers and the gateway's own errors carry the CORS headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

const cors = { name: 'cors', config: { origins: ['https://app.test', 'https://admin.test'], credentials: true, max_age: 600, exposed_headers: ['x-total'] } };

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'protected', paths: ['/protected'], plugins: [{ name: 'jwt' }, cors] },
            { name: 'jwt-only', paths: ['/jwt-only'], plugins: [{ name: 'jwt' }] },
            { name: 'open', paths: ['/open'], plugins: [cors] },
          ],
        },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const preflight = { origin: 'https://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' };

describe('cors through the gateway', () => {
  it('answers the preflight itself, before jwt, without reaching the upstream', async () => {
    const before = upstream.requests.length;
    const res = await gw.fetch('/protected/things', { method: 'OPTIONS', headers: preflight });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toBe('Origin');
    expect(res.headers.get('x-kong-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(upstream.requests.length).toBe(before);
  });

  it('without cors the same preflight is refused by jwt', async () => {
    const res = await gw.fetch('/jwt-only/things', { method: 'OPTIONS', headers: preflight });
    expect(res.status).toBe(401);
  });

  it("puts the CORS headers on the gateway's own 401, so the browser can read it", async () => {
    const res = await gw.fetch('/protected/things', { headers: { origin: 'https://admin.test' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.test');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-total');
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'AUTH_001' });
  });

  it("adds them to proxied answers, after the upstream's own Vary", async () => {
    const res = await gw.fetch('/open/things', { headers: { origin: 'https://app.test', 'x-echo-header-vary': 'Accept-Encoding' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('vary')).toBe('Accept-Encoding, Origin');
    const disallowed = await gw.fetch('/open/things', {
      headers: { origin: 'https://evil.test', 'x-echo-header-access-control-allow-origin': '*' },
    });
    expect(disallowed.headers.get('access-control-allow-origin')).toBeNull();
  });
});
