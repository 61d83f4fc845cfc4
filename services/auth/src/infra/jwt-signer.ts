import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TokenSigner } from '../usecases/ports.ts';
import type { SigningKeys } from './signing-keys.ts';

/** RS256 access tokens with `kid`; claims per guide §6. */
export function createJwtSigner({ keys, issuer, ttlS }: { keys: SigningKeys; issuer: string; ttlS: number }): TokenSigner {
  const sign = (sub: string, claims: Record<string, unknown>) => {
    const jti = randomUUID();
    const token = jwt.sign(claims, keys.active.privateKey, {
      algorithm: 'RS256',
      keyid: keys.active.kid,
      issuer,
      subject: sub,
      jwtid: jti,
      expiresIn: ttlS,
    });
    return { token, jti, expiresIn: ttlS };
  };
  return {
    signUserToken: ({ userId, role, sessionId }) => sign(userId, { role, sid: sessionId }),
    signServiceToken: ({ clientId }) => sign(`service:${clientId}`, { role: 'service', client_id: clientId }),
  };
}
