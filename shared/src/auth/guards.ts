import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate } from './authenticate.ts';
import { requireRole, requireUser } from './require-role.ts';
import type { KeyResolver } from './signing-keys.ts';

/** Who may call a route; each is one handler (a Router runs its parts in turn). */
export type Guards = {
  /** An end user's access token (role user or admin). */
  user: RequestHandler;
  /** An end user with role admin. */
  admin: RequestHandler;
  /** A service account's client_credentials token (role service), for /internal routes. */
  service: RequestHandler;
};

/** How a service checks access tokens: auth's issuer, its keys and the revocation list. */
export type TokenCheck = {
  /** Expected `iss`. */
  issuer: string;
  /** auth's JWKS (AUTH_JWKS_URL); or getKey. */
  jwksUrl?: string;
  /** A key source of your own (tests: a local public key); wins over jwksUrl. */
  getKey?: KeyResolver;
  /** The revocation list (bans and logouts take effect at once). */
  redis: Redis;
};

/**
 * The three route guards every service uses: `user` (authenticate + requireUser),
 * `admin` (user + requireRole('admin')) and `service` (authenticate + requireRole('service')).
 * One token check is shared by all three. Throws at start-up when neither jwksUrl nor getKey is given.
 */
export function createGuards({ issuer, jwksUrl, getKey, redis }: TokenCheck): Guards {
  const required = authenticate({ issuer, redis, ...(getKey ? { getKey } : { jwksUrl }) });
  const user = Router().use(required, requireUser());
  return {
    user,
    admin: Router().use(user, requireRole('admin')),
    service: Router().use(required, requireRole('service')),
  };
}
