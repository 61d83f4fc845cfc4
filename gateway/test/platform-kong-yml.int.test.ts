// The platform's own kong/kong.yml, rendered with freshly generated development keys exactly as
// `npm start` renders it, through the real gateway, with every service pointed at the echo
// upstream: tokens signed by auth's own signer pass on their kid, the service clients' keys pass
// on /services, and what must be refused is refused at the gateway.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevKeys, renderKongConfig } from '../../infra/launcher/dev-keys.ts';
import { createJwtSigner } from '../../services/auth/src/infra/jwt-signer.ts';
import { loadSigningKeys, signingKeysFromPem } from '../../services/auth/src/infra/signing-keys.ts';
import { startEchoUpstream, startGateway, type EchoRequest, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

const repo = new URL('../..', import.meta.url).pathname;
const API = '/KONGAPI/api/v1';

type Doc = { services: { url: string }[] };

let work: string;
let upstream: EchoUpstream;
let gw: TestGateway;
let apiKeys: Record<string, string>;
let auth: ReturnType<typeof createJwtSigner>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'platform-kong-'));
  const keys = ensureDevKeys(join(work, 'keys'));
  const out = join(work, 'kong.yml');
  renderKongConfig({ template: join(repo, 'kong/kong.yml'), out, privateKeyFile: keys.privateKeyFile, apiKeysFile: keys.apiKeysFile });
  apiKeys = JSON.parse(readFileSync(keys.apiKeysFile, 'utf8')) as Record<string, string>;
  auth = createJwtSigner({ keys: loadSigningKeys(keys.privateKeyFile, []), issuer: 'platform-auth', ttlS: 900 });

  upstream = await startEchoUpstream();
  const doc = parse(readFileSync(out, 'utf8')) as Doc;
  // Every service (auth, user, file, sync, notification, the status listener) → the echo upstream, same path.
  for (const service of doc.services) service.url = service.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, upstream.url);
  gw = await startGateway({ config: doc as unknown as Record<string, unknown> });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const userToken = () => auth.signUserToken({ userId: 'u-1', role: 'user', sessionId: 's-1' }).token;

async function reached(res: Response): Promise<EchoRequest> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as EchoRequest;
}

async function refused(res: Response, status: number, message: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { message: string } };
  expect(body.error.message).toBe(message);
}

describe('kong/kong.yml through the gateway', () => {
  it("lets a token auth signed through on its kid, to the service's own path", async () => {
    const seen = await reached(await gw.fetch(`${API}/users/u-1/profile?fields=bio`, { headers: bearer(userToken()) }));
    expect(seen.url).toBe('/api/v1/users/u-1/profile?fields=bio');
    expect(seen.headers['x-consumer-username']).toBe('platform-auth');
    // The service verifies the token again (and checks revocation).
    expect(seen.headers.authorization).toMatch(/^Bearer /);

    const service = auth.signServiceToken({ clientId: 'sync' }).token;
    expect((await reached(await gw.fetch(`${API}/admin/sync/jobs`, { headers: bearer(service) }))).path).toBe('/api/v1/admin/sync/jobs');
  });

  it('refuses at the gateway what has no valid token, and the service never sees it', async () => {
    const before = upstream.requests.length;
    await refused(await gw.fetch(`${API}/profile`), 401, 'Unauthorized');
    const [header, payload, signature] = userToken().split('.') as [string, string, string];
    const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await refused(await gw.fetch(`${API}/profile`, { headers: bearer(tampered) }), 401, 'Invalid signature');

    // A key kong.yml does not know: its kid matches no jwt_secret.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = createJwtSigner({
      keys: signingKeysFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      issuer: 'platform-auth',
      ttlS: 900,
    });
    const strangerToken = stranger.signUserToken({ userId: 'u-1', role: 'user', sessionId: 's-1' }).token;
    await refused(await gw.fetch(`${API}/files`, { headers: bearer(strangerToken) }), 401, "No credentials found for given 'kid'");

    // Longer than the 15 minutes the gateway allows.
    const keys = ensureDevKeys(join(work, 'keys'));
    const longLived = createJwtSigner({ keys: loadSigningKeys(keys.privateKeyFile, []), issuer: 'platform-auth', ttlS: 3600 });
    const res = await gw.fetch(`${API}/users`, { headers: bearer(longLived.signUserToken({ userId: 'u-1', role: 'user', sessionId: 's-1' }).token) });
    expect(res.status).toBe(401);
    expect(upstream.requests.length).toBe(before);
  });

  it('serves /services to the service clients by key and ACL group, hiding the key from the service', async () => {
    const seen = await reached(
      await gw.fetch(`${API}/services/users/batch`, {
        method: 'POST',
        headers: { 'x-api-key': apiKeys.file ?? '', 'content-type': 'application/json' },
        body: '{"users":[]}',
      }),
    );
    expect(seen.path).toBe('/api/v1/services/users/batch');
    expect(seen.headers['x-consumer-username']).toBe('service-file');
    expect(seen.headers).not.toHaveProperty('x-api-key');

    expect((await reached(await gw.fetch(`${API}/services/users/sync?since=0`, { headers: { 'x-api-key': apiKeys.sync ?? '' } }))).path).toBe(
      '/api/v1/services/users/sync',
    );
    await refused(await gw.fetch(`${API}/services/users/batch`, { method: 'POST', headers: bearer(userToken()) }), 401, 'No API key found in request');
    await refused(await gw.fetch(`${API}/services/users/batch`, { method: 'POST', headers: { 'x-api-key': 'guess' } }), 401, 'Unauthorized');
  });

  it('routes public auth without a token, rate-limited per client, and never routes internal paths', async () => {
    const res = await gw.fetch(`${API}/public/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await reached(res)).path).toBe('/api/v1/public/auth/login');
    expect(res.headers.get('ratelimit-limit')).toBe('300');
    expect(res.headers.get('x-request-id')).toBeTruthy();

    await refused(await gw.fetch(`${API}/internal/users/u-1`, { headers: bearer(userToken()) }), 404, 'no Route matched with those values');
    const health = await gw.fetch(`${API}/public/health`);
    expect(health.status).toBe(200);
  });

  it('limits JSON bodies to 1 MB but lets uploads through', async () => {
    const big = 'x'.repeat(1_100_000);
    const headers = { ...bearer(userToken()), 'content-type': 'application/octet-stream' };
    await refused(await gw.fetch(`${API}/profile`, { method: 'PUT', headers, body: big }), 413, 'Request size limit exceeded');
    const seen = await reached(await gw.fetch(`${API}/files`, { method: 'POST', headers: { ...headers, 'x-echo-discard': '1' }, body: big }));
    expect(seen.body_size).toBe(big.length);
  });

  it('answers CORS preflights before the jwt plugin', async () => {
    const res = await gw.fetch(`${API}/users`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,if-match' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
  });
});
