import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../src/config.ts';

const base = { JWT_PRIVATE_KEY_FILE: '/keys/private.pem' };

describe('loadAuthConfig', () => {
  it('applies the defaults', () => {
    const c = loadAuthConfig(base);
    expect(c).toMatchObject({
      PORT: 3001, JWT_ISSUER: 'platform-auth', ACCESS_TOKEN_TTL_S: 900, REFRESH_TOKEN_TTL_S: 2_592_000, REFRESH_REUSE_GRACE_S: 10,
      ARGON2_MAX_CONCURRENCY: 2, LOCKOUT_MAX_FAILURES: 5, LOCKOUT_WINDOW_S: 900, JWT_VERIFY_KEY_FILES: [], SERVICE_ACCOUNTS: [],
    });
  });

  it('parses key lists and service accounts', () => {
    const c = loadAuthConfig({ ...base, JWT_VERIFY_KEY_FILES: ' /a.pem, /b.pem ,', SERVICE_ACCOUNTS: 'user:secret-secret-1234,file:another-secret-5678' });
    expect(c.JWT_VERIFY_KEY_FILES).toEqual(['/a.pem', '/b.pem']);
    expect(c.SERVICE_ACCOUNTS).toEqual([{ clientId: 'user', secret: 'secret-secret-1234' }, { clientId: 'file', secret: 'another-secret-5678' }]);
  });

  it('names every bad variable at once', () => {
    const message = errorOf(() => loadAuthConfig({ ACCESS_TOKEN_TTL_S: '3600', LOCKOUT_MAX_FAILURES: '0', SERVICE_ACCOUNTS: 'user:short' }));
    expect(message).toContain('JWT_PRIVATE_KEY_FILE');
    expect(message).toContain('ACCESS_TOKEN_TTL_S');
    expect(message).toContain('LOCKOUT_MAX_FAILURES="0"');
    expect(message).toContain('SERVICE_ACCOUNTS');
  });

  it('wants ADMIN_EMAIL and ADMIN_PASSWORD together, without echoing the password', () => {
    const message = errorOf(() => loadAuthConfig({ ...base, ADMIN_PASSWORD: 'hunter2hunter2' }));
    expect(message).toContain('ADMIN_EMAIL');
    expect(message).not.toContain('hunter2');
  });
});

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}
