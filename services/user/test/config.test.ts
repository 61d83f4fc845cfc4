import { describe, expect, it } from 'vitest';
import { loadUserConfig } from '../src/config.ts';

describe('loadUserConfig', () => {
  it('has development defaults for everything but the client secret', () => {
    const config = loadUserConfig({ SERVICE_CLIENT_SECRET: 'secret-secret-123' });
    expect(config).toMatchObject({
      PORT: 3002,
      AUTH_URL: 'http://127.0.0.1:3001',
      AUTH_JWKS_URL: 'http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json',
      JWT_ISSUER: 'platform-auth',
      SERVICE_CLIENT_ID: 'user',
      CACHE_TTL_S: 300,
      ERASURE_SERVICES: ['file', 'notification', 'sync'],
    });
  });

  it('reads ERASURE_SERVICES as a comma list and CACHE_TTL_S as seconds', () => {
    const config = loadUserConfig({ SERVICE_CLIENT_SECRET: 's', ERASURE_SERVICES: ' file , sync,', CACHE_TTL_S: '30' });
    expect(config.ERASURE_SERVICES).toEqual(['file', 'sync']);
    expect(config.CACHE_TTL_S).toBe(30);
  });

  it('names every bad variable at once and hides secret values', () => {
    expect(() => loadUserConfig({ PORT: 'abc', AUTH_URL: 'ftp://x', CACHE_TTL_S: '-1' })).toThrow(
      /PORT="abc"[\s\S]*AUTH_URL=\(hidden\)[\s\S]*SERVICE_CLIENT_SECRET=\(unset\)[\s\S]*CACHE_TTL_S="-1"/,
    );
  });
});

describe('withQueuePrefix', () => {
  it('keeps user.<purpose> by default and moves queues under another prefix', async () => {
    const { withQueuePrefix } = await import('../src/infra/consumers/queue-prefix.ts');
    const defs = [{ queue: 'user.profiles' }, { queue: 'user.deletion-saga' }] as unknown as Parameters<typeof withQueuePrefix>[1];
    expect(withQueuePrefix('user', defs).map((d) => d.queue)).toEqual(['user.profiles', 'user.deletion-saga']);
    expect(withQueuePrefix('t_1', defs).map((d) => d.queue)).toEqual(['t_1.profiles', 't_1.deletion-saga']);
  });
});
