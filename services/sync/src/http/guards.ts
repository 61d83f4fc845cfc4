import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, requireRole, requireUser, type KeyResolver } from '@platform/shared/auth';

/** Who may call a route; each is one handler (a Router runs its parts in turn). */
export type Guards = {
  /** An end user's access token (user or admin). */
  user: RequestHandler;
  /** An end user with role admin. */
  admin: RequestHandler;
  /** A service account's client_credentials token (role service). */
  service: RequestHandler;
};

export type TokenCheck = {
  issuer: string;
  /** auth's JWKS; or getKey (tests). */
  jwksUrl?: string;
  getKey?: KeyResolver;
  /** The revocation list (bans, logouts take effect at once). */
  redis: Redis;
};

export function createGuards({ issuer, jwksUrl, getKey, redis }: TokenCheck): Guards {
  const required = authenticate({ issuer, redis, ...(getKey ? { getKey } : { jwksUrl: jwksUrl! }) });
  const user = Router().use(required, requireUser());
  return {
    user,
    admin: Router().use(user, requireRole('admin')),
    service: Router().use(required, requireRole('service')),
  };
}
