import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export const TEST_ISSUER = 'platform-auth-test';
const KID = 'notification-test-key';

export type TestActor = { id: string; role: 'user' | 'admin' | 'service' };

/**
 * A signing key of the test's own, standing in for auth: access tokens are RS256 JWTs with auth's
 * claims (iss, sub, role, sid, jti, iat, exp; service tokens: sub service:<id>, client_id, no sid),
 * verified by the app through getKey like a JWKS would serve them.
 */
export function createTestTokens() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  function mint(claims: Record<string, unknown>, key: KeyObject = privateKey): string {
    const head = `${b64({ alg: 'RS256', typ: 'JWT', kid: KID })}.${b64(claims)}`;
    return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
  }

  function tokenFor(actor: TestActor, extra: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const base = actor.role === 'service'
      ? { sub: `service:${actor.id}`, role: 'service', client_id: actor.id }
      : { sub: actor.id, role: actor.role, sid: randomUUID() };
    return mint({ iss: TEST_ISSUER, ...base, jti: randomUUID(), iat: now, exp: now + 900, ...extra });
  }

  return {
    getKey: async (kid: string) => (kid === KID ? publicKey : undefined),
    tokenFor,
    bearer: (actor: TestActor) => `Bearer ${tokenFor(actor)}`,
    /** Signed by a key the app does not know. */
    forged: (actor: TestActor) => `Bearer ${mint({ iss: TEST_ISSUER, sub: actor.id, role: actor.role, iat: 0, exp: 9_999_999_999 }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)}`,
  };
}
