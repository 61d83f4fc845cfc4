// jwt through the real gateway in front of the echo upstream: refusals are the platform envelope with
// Kong's text and never reach the upstream; accepted requests carry the consumer headers upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';
import { b64url, keyPair, nowSeconds, signToken } from './auth-fixtures.ts';

const signing = keyPair('rsa');
const ec = keyPair('P-256');
const HS_SECRET = 'alice-secret';

let upstream: EchoUpstream;
let gw: TestGateway;

const rsToken = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  signToken({ iss: 'platform-auth', sub: 'u1', exp: nowSeconds() + 300, ...claims }, { alg: 'RS256', key: signing.privateKey }, header);

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const jwt = { name: 'jwt', config: { claims_to_verify: ['exp'], maximum_expiration: 900, run_on_preflight: false } };
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'protected', paths: ['/protected'], plugins: [jwt] },
            { name: 'by-kid', paths: ['/by-kid'], plugins: [{ name: 'jwt', config: { key_claim_name: 'kid', claims_to_verify: ['exp'] } }] },
            { name: 'cookie', paths: ['/cookie'], plugins: [{ name: 'jwt', config: { cookie_names: ['session'], realm: 'platform' } }] },
            { name: 'optional', paths: ['/optional'], plugins: [{ name: 'jwt', config: { anonymous: 'anonymous' } }] },
            {
              name: 'browser',
              paths: ['/browser'],
              plugins: [{ name: 'jwt', config: {} }, { name: 'cors', config: { origins: ['https://app.example.com'] } }],
            },
          ],
        },
      ],
      consumers: [
        {
          username: 'platform-auth',
          custom_id: 'auth-service',
          jwt_secrets: [
            { key: 'platform-auth', algorithm: 'RS256', secret: 'unused', rsa_public_key: signing.publicPem },
            { key: 'key-2026', algorithm: 'ES256', secret: 'unused', rsa_public_key: ec.publicPem },
          ],
        },
        { username: 'alice', jwt_secrets: [{ key: 'alice', algorithm: 'HS256', secret: HS_SECRET }] },
        { username: 'anonymous' },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function refused(path: string, init: RequestInit = {}) {
  const before = upstream.requests.length;
  const res = await gw.fetch(path, init);
  const body = (await res.json()) as { success: boolean; status_code: number; data: null; error: Record<string, unknown> };
  expect(upstream.requests.length, 'a refused request must not reach the upstream').toBe(before);
  return { res, body };
}

async function echoed(path: string, init: RequestInit = {}) {
  const res = await gw.fetch(path, init);
  expect(res.status).toBe(200);
  return (await res.json()) as { headers: Record<string, string | undefined>; query: Record<string, string> };
}

const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('jwt through the gateway', () => {
  it('proxies a valid token with the consumer headers, replacing the ones the client sent', async () => {
    const token = rsToken();
    const seen = await echoed('/protected/me', {
      headers: {
        authorization: `Bearer ${token}`,
        'x-consumer-username': 'admin',
        'x-consumer-id': 'evil',
        'x-anonymous-consumer': 'true',
        'x-credential-identifier': 'evil',
      },
    });
    const consumer = gw.config.consumers.find((c) => c.username === 'platform-auth');
    expect(seen.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-consumer-id': consumer?.id,
      'x-consumer-custom-id': 'auth-service',
      'x-consumer-username': 'platform-auth',
      'x-credential-identifier': 'platform-auth',
    });
    expect(seen.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it('answers 401 "Unauthorized" in the platform envelope with WWW-Authenticate: Bearer', async () => {
    const { res, body } = await refused('/protected/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(body).toMatchObject({ success: false, status_code: 401, data: null, error: { code: 'AUTH_001', message: 'Unauthorized' } });
    expect(body.error.request_id).toEqual(expect.any(String));
  });

  it('refuses a tampered token: "Invalid signature", error="invalid_token"', async () => {
    const [h, , s] = rsToken({ role: 'user' }).split('.');
    const forged = `${h}.${b64url(JSON.stringify({ iss: 'platform-auth', role: 'admin', exp: nowSeconds() + 60 }))}.${s}`;
    const { res, body } = await refused('/protected/me', auth(forged));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.error).toMatchObject({ code: 'AUTH_001', message: 'Invalid signature' });
  });

  it('refuses an expired token with AUTH_002 and Kong\'s per-claim details', async () => {
    const { res, body } = await refused('/protected/me', auth(rsToken({ exp: nowSeconds() - 5 })));
    expect(res.status).toBe(401);
    expect(body.error).toMatchObject({ code: 'AUTH_002', message: 'token expired', details: { exp: 'token expired' } });
  });

  it('refuses a token outliving maximum_expiration, and one without exp', async () => {
    const tooLong = await refused('/protected/me', auth(rsToken({ exp: nowSeconds() + 3600 })));
    expect(tooLong.body.error).toMatchObject({ code: 'AUTH_001', message: 'exceeds maximum allowed expiration' });
    const noExp = await refused('/protected/me', auth(rsToken({ exp: undefined })));
    expect(noExp.body.error).toMatchObject({ message: 'must be a number', details: { exp: 'must be a number' } });
  });

  it('refuses algorithm confusion (HS256 signed with the RS256 public key) and alg none', async () => {
    const confused = signToken({ iss: 'platform-auth', exp: nowSeconds() + 60 }, { alg: 'HS256', key: signing.publicPem });
    expect((await refused('/protected/me', auth(confused))).body.error.message).toBe('Invalid algorithm');
    const none = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify({ iss: 'platform-auth', exp: nowSeconds() + 60 }))}.`;
    expect((await refused('/protected/me', auth(none))).body.error.message).toBe('Bad token; invalid alg');
  });

  it('refuses two different tokens (header and query)', async () => {
    const { body } = await refused(`/protected/me?jwt=${rsToken({ sub: 'u2' })}`, auth(rsToken()));
    expect(body.error.message).toBe('Multiple tokens provided');
  });

  it('accepts the token from the jwt query argument and passes the query on', async () => {
    const seen = await echoed(`/protected/me?jwt=${rsToken()}&page=2`);
    expect(seen.headers['x-consumer-username']).toBe('platform-auth');
    expect(seen.query.page).toBe('2');
  });

  it("names the credential's consumer unknown: No credentials found for given 'iss'", async () => {
    const stranger = signToken({ iss: 'someone-else', exp: nowSeconds() + 60 }, { alg: 'RS256', key: signing.privateKey });
    expect((await refused('/protected/me', auth(stranger))).body.error.message).toBe("No credentials found for given 'iss'");
  });

  it('finds rotating keys by the kid header (ES256)', async () => {
    const token = signToken({ exp: nowSeconds() + 60 }, { alg: 'ES256', key: ec.privateKey }, { kid: 'key-2026' });
    expect((await echoed('/by-kid/x', auth(token))).headers['x-credential-identifier']).toBe('key-2026');
    const unknown = signToken({ exp: nowSeconds() + 60 }, { alg: 'ES256', key: ec.privateKey }, { kid: 'key-1999' });
    expect((await refused('/by-kid/x', auth(unknown))).body.error.message).toBe("No credentials found for given 'kid'");
  });

  it('reads a configured cookie and sends the realm in WWW-Authenticate', async () => {
    const token = signToken({ iss: 'alice' }, { alg: 'HS256', key: HS_SECRET });
    expect((await echoed('/cookie/x', { headers: { cookie: `theme=dark; session=${token}` } })).headers['x-consumer-username']).toBe('alice');
    const { res } = await refused('/cookie/x', { headers: { cookie: 'session=garbage' } });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="platform" error="invalid_token"');
  });

  it('lets requests without a valid token through as the anonymous consumer', async () => {
    const seen = await echoed('/optional/x', auth('garbage'));
    expect(seen.headers).toMatchObject({ 'x-consumer-username': 'anonymous', 'x-anonymous-consumer': 'true' });
    expect(seen.headers['x-credential-identifier']).toBeUndefined();
    const authed = await echoed('/optional/x', auth(signToken({ iss: 'alice' }, { alg: 'HS256', key: HS_SECRET })));
    expect(authed.headers['x-consumer-username']).toBe('alice');
    expect(authed.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it('skips OPTIONS with run_on_preflight false, without passing spoofed consumer headers', async () => {
    const res = await gw.fetch('/protected/me', { method: 'OPTIONS', headers: { 'x-consumer-username': 'admin' } });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string | undefined> };
    expect(seen.headers['x-consumer-username']).toBeUndefined();
  });

  it('lets cors answer a browser preflight before jwt asks for a token', async () => {
    const before = upstream.requests.length;
    const res = await gw.fetch('/browser/x', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(upstream.requests.length).toBe(before);
    expect((await refused('/browser/x')).res.status).toBe(401);
  });
});
