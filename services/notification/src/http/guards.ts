import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, requireRole, requireUser, type KeyResolver } from '@platform/shared/auth';

/** Who may call a route; each is one handler (a Router runs its parts in turn). */
export type Guards = {
  /** An end user's access token (user or admin). */
  user: RequestHandler;
  /** An end user with role admin. */
  admin: RequestHandler;
  /** A service account's token (role service), for /internal routes. */
  service: RequestHandler;
};

export type AuthOptions = {
  issuer: string;
  /** auth's public keys by kid: jwksKeyResolver(AUTH_JWKS_URL) in main.ts, a local key in tests. */
  getKey: KeyResolver;
  /** The revocation list (a ban or logout takes effect at once). */
  redis: Redis;
};

export function createGuards({ issuer, getKey, redis }: AuthOptions): Guards {
  const required = authenticate({ issuer, getKey, redis });
  const user = Router().use(required, requireUser());
  return {
    user,
    admin: Router().use(user, requireRole('admin')),
    service: Router().use(required, requireRole('service')),
  };
}
