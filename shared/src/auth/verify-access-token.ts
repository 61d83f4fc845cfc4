import jwt from 'jsonwebtoken';
import { AppError } from '../errors/app-error.ts';
import { ROLES, type Actor, type Role } from './actor.ts';
import type { KeyResolver } from './signing-keys.ts';

export type Algorithm = 'RS256' | 'ES256';

export type VerifyOptions = {
  issuer: string;
  audience?: string;
  resolveKey: KeyResolver;
  /** Pinned; never taken from the token (default ['RS256']). */
  algorithms?: Algorithm[];
  /** Clock skew allowed on exp/nbf between machines (default 5 s). */
  clockToleranceS?: number;
};

const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer error="invalid_token"' };
const invalid = (message: string, cause?: unknown) => new AppError('AUTH_001', message, { cause, headers: WWW_AUTHENTICATE });

type Header = { alg?: unknown; kid?: unknown };

function readHeader(token: string): Header {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0]) throw invalid('Malformed token');
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header === 'object' && header !== null) return header as Header;
  } catch {
    // falls through to the same answer as a non-object header
  }
  throw invalid('Malformed token');
}

function fromJwtError(err: unknown): AppError {
  if (err instanceof jwt.TokenExpiredError) return new AppError('AUTH_002', 'Token has expired', { cause: err, headers: WWW_AUTHENTICATE });
  if (err instanceof jwt.NotBeforeError) return invalid('Token is not valid yet', err);
  const message = (err as Error).message ?? '';
  if (message.startsWith('jwt issuer invalid')) return invalid('Token issuer is not accepted', err);
  if (message.startsWith('jwt audience invalid')) return invalid('Token audience is not accepted', err);
  if (message === 'invalid signature') return invalid('Token signature is invalid', err);
  if (message === 'invalid algorithm' || message.includes('must be a symmetric key') || message.includes('must be an asymmetric key')) {
    return invalid('Token algorithm is not allowed', err);
  }
  if (message === 'jwt malformed' || message === 'invalid token') return invalid('Malformed token', err);
  return invalid('Invalid token', err);
}

/**
 * Verifies an access token and returns its actor, or throws AUTH_001 (missing/malformed/forged/unknown
 * key, with a precise message) or AUTH_002 (expired). Revocation is checked separately (checkRevocation).
 */
export function createTokenVerifier({ issuer, audience, resolveKey, algorithms = ['RS256'], clockToleranceS = 5 }: VerifyOptions) {
  return async (token: string): Promise<Actor> => {
    const header = readHeader(token);
    if (typeof header.alg !== 'string' || !(algorithms as string[]).includes(header.alg)) throw invalid('Token algorithm is not allowed');
    if (typeof header.kid !== 'string' || header.kid === '') throw invalid('Token has no key id');
    const key = await resolveKey(header.kid);
    if (!key) throw invalid('Token was signed with an unknown key');

    let claims: jwt.JwtPayload;
    try {
      const verified = jwt.verify(token, key, { algorithms, issuer, ...(audience && { audience }), clockTolerance: clockToleranceS });
      if (typeof verified === 'string') throw invalid('Malformed token');
      claims = verified;
    } catch (err) {
      throw err instanceof AppError ? err : fromJwtError(err);
    }

    // jsonwebtoken accepts tokens without exp (guide §12): a token that never expires is not an access token.
    if (typeof claims.exp !== 'number') throw invalid('Token has no expiry');
    if (typeof claims.iat !== 'number') throw invalid('Token has no issue time');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw invalid('Token has no subject');
    const role = claims.role as unknown;
    if (typeof role !== 'string' || !(ROLES as string[]).includes(role)) throw invalid('Token has no valid role');
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined;
    const jti = typeof claims.jti === 'string' ? claims.jti : undefined;
    return {
      id: claims.sub,
      role: role as Role,
      type: role === 'service' ? 'service' : 'user',
      ...(sid && { sid }),
      ...(jti && { jti }),
      iat: claims.iat,
      exp: claims.exp,
    };
  };
}
