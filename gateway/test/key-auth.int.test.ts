// key-auth through the real gateway in front of the echo upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

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
            { name: 'keyed', paths: ['/keyed'], plugins: [{ name: 'key-auth', config: { hide_credentials: true, realm: 'kong' } }] },
            { name: 'open', paths: ['/open'], plugins: [{ name: 'key-auth', config: { key_names: ['x-api-key'], anonymous: 'guest' } }] },
          ],
        },
      ],
      consumers: [
        { username: 'batch-worker', keyauth_credentials: [{ key: 'worker-key-123' }] },
        { username: 'guest' },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

type Echo = { headers: Record<string, string | undefined>; query: Record<string, string>; url: string };

describe('key-auth through the gateway', () => {
  it('authenticates a key from the header and hides it from the upstream', async () => {
    const res = await gw.fetch('/keyed/x?page=1', { headers: { apikey: 'worker-key-123', 'x-consumer-username': 'admin' } });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as Echo;
    expect(seen.headers).toMatchObject({ 'x-consumer-username': 'batch-worker' });
    expect(seen.headers['x-credential-identifier']).toEqual(expect.any(String));
    expect(seen.headers.apikey).toBeUndefined();
    expect(seen.url).toBe('/x?page=1');
  });

  it('authenticates a key from the query and removes it from the upstream query', async () => {
    const res = await gw.fetch('/keyed/x?b=2&apikey=worker-key-123&a=1');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).url).toBe('/x?b=2&a=1');
  });

  it('answers Kong\'s 401s in the envelope with WWW-Authenticate: Key realm="kong"', async () => {
    const before = upstream.requests.length;
    for (const [init, message] of [
      [{}, 'No API key found in request'],
      [{ headers: { apikey: 'wrong' } }, 'Unauthorized'],
    ] as const) {
      const res = await gw.fetch('/keyed/x', init);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Key realm="kong"');
      expect(await res.json()).toMatchObject({ success: false, status_code: 401, error: { code: 'AUTH_001', message } });
    }
    const dup = await gw.fetch('/keyed/x?apikey=a&apikey=b');
    expect(((await dup.json()) as { error: { message: string } }).error.message).toBe('Duplicate API key found');
    expect(upstream.requests.length).toBe(before);
  });

  it('lets a request without a key through as the anonymous consumer', async () => {
    const seen = (await (await gw.fetch('/open/x')).json()) as Echo;
    expect(seen.headers).toMatchObject({ 'x-consumer-username': 'guest', 'x-anonymous-consumer': 'true' });
    const keyed = (await (await gw.fetch('/open/x', { headers: { 'x-api-key': 'worker-key-123' } })).json()) as Echo;
    expect(keyed.headers['x-consumer-username']).toBe('batch-worker');
    expect(keyed.headers['x-api-key']).toBe('worker-key-123');
  });
});
