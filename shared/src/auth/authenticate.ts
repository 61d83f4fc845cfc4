import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error.ts';
import { checkRevocation } from './check-revocation.ts';
import { jwksKeyResolver, type JwksOptions, type KeyResolver } from './signing-keys.ts';
import { createTokenVerifier, type Algorithm } from './verify-access-token.ts';

export type AuthenticateOptions = {
  /** Expected `iss`. */
  issuer: string;
  audience?: string;
  /** auth's JWKS (…/api/v1/public/auth/.well-known/jwks.json); or pass getKey. */
  jwksUrl?: string;
  jwks?: JwksOptions;
  /** A key source of your own (auth verifies with its own keys); should be cheap: it runs on every request. */
  getKey?: KeyResolver;
  /** The revocation list; without it revoked tokens pass until they expire. */
  redis?: Redis;
  /** Max wait for the revocation lookup before failing closed with SYS_003 (default 500 ms). */
  revocationTimeoutMs?: number;
  /** false: requests without an Authorization header pass with no req.actor (a bad token still fails). */
  required?: boolean;
  algorithms?: Algorithm[];
  clockToleranceS?: number;
};

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)[ ]*$/i;

/**
 * Express middleware: verifies `Authorization: Bearer <access token>` (RS256 pinned, exp required,
 * issuer checked, key by kid), checks the Redis revocation list and sets req.actor.
 * AUTH_001 / AUTH_002 (401) on a bad or expired token; SYS_003 (503) when keys or Redis cannot be reached.
 */
export function authenticate(options: AuthenticateOptions): RequestHandler {
  const { issuer, audience, jwksUrl, getKey, redis, revocationTimeoutMs = 500, required = true } = options;
  const resolveKey = getKey ?? (jwksUrl ? jwksKeyResolver(jwksUrl, options.jwks) : undefined);
  if (!resolveKey) throw new Error('authenticate() needs jwksUrl or getKey');
  const verify = createTokenVerifier({
    issuer, resolveKey,
    ...(audience && { audience }),
    ...(options.algorithms && { algorithms: options.algorithms }),
    ...(options.clockToleranceS !== undefined && { clockToleranceS: options.clockToleranceS }),
  });

  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      if (!required) return next();
      throw new AppError('AUTH_001', 'Missing bearer token', { headers: { 'www-authenticate': 'Bearer' } });
    }
    const match = BEARER.exec(header);
    if (!match?.[1]) throw new AppError('AUTH_001', 'Authorization header must be "Bearer <token>"', { headers: { 'www-authenticate': 'Bearer' } });
    const actor = await verify(match[1]);
    if (redis) await checkRevocation(redis, { sub: actor.id, sid: actor.sid, iat: actor.iat }, revocationTimeoutMs);
    req.actor = actor;
    next();
  };
}
