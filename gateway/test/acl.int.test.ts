// acl behind key-auth through the real gateway (the platform's /services routes: key-auth + acl
// group `service`), and acl on a route with no authentication at all.
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
            {
              name: 'services',
              paths: ['/services'],
              plugins: [{ name: 'key-auth', config: { hide_credentials: true } }, { name: 'acl', config: { allow: ['service'] } }],
            },
            { name: 'hidden-groups', paths: ['/hidden'], plugins: [{ name: 'key-auth' }, { name: 'acl', config: { deny: ['banned'], hide_groups_header: true } }] },
            { name: 'no-auth', paths: ['/no-auth'], plugins: [{ name: 'acl', config: { allow: ['service'] } }] },
          ],
        },
      ],
      consumers: [
        { username: 'user-sync', keyauth_credentials: [{ key: 'svc-key' }], acls: [{ group: 'service' }, { group: 'batch' }] },
        { username: 'mobile-app', keyauth_credentials: [{ key: 'app-key' }], acls: [{ group: 'apps' }] },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

type Echo = { headers: Record<string, string | undefined> };

describe('acl through the gateway', () => {
  it('lets a consumer of the allowed group through with X-Consumer-Groups, replacing a client-sent one', async () => {
    const res = await gw.fetch('/services/users/batch', { headers: { apikey: 'svc-key', 'x-consumer-groups': 'admin' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).headers['x-consumer-groups']).toBe('service, batch');
  });

  it('answers 403 "You cannot consume this service" (AUTH_003) to other consumers', async () => {
    const before = upstream.requests.length;
    const res = await gw.fetch('/services/users/batch', { headers: { apikey: 'app-key' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status_code: 403, error: { code: 'AUTH_003', message: 'You cannot consume this service' } });
    expect(upstream.requests.length).toBe(before);
  });

  it('hides the groups when asked to', async () => {
    const res = await gw.fetch('/hidden/x', { headers: { apikey: 'app-key', 'x-consumer-groups': 'service' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).headers['x-consumer-groups']).toBeUndefined();
  });

  it('answers 401 "Unauthorized" when no plugin identified a consumer', async () => {
    const res = await gw.fetch('/no-auth/x');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'AUTH_001', message: 'Unauthorized' } });
  });
});
