import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, requireRole, requireUser } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import type { SigningKeys } from '../infra/signing-keys.ts';

/** Who may call a route; each is one handler (a Router runs its parts in turn). */
export type Guards = {
  /** An end user's access token. */
  user: RequestHandler;
  /** No Authorization header passes with no req.actor; a header must hold a valid end-user token. */
  optionalUser: RequestHandler;
  /** An end user with role admin. */
  admin: RequestHandler;
  /** A service account's client_credentials token (role service). */
  service: RequestHandler;
};

export function createGuards({ keys, issuer, redis }: { keys: SigningKeys; issuer: string; redis: Redis }): Guards {
  // auth verifies its own tokens with the keys in memory, like app.ts does.
  const getKey = async (kid: string) => keys.verification.get(kid);
  const required = authenticate({ issuer, getKey, redis });
  const optional = authenticate({ issuer, getKey, redis, required: false });
  const user = Router().use(required, requireUser());
  const usersOnlyIfPresent: RequestHandler = (req, _res, next) =>
    next(req.actor && req.actor.type !== 'user' ? new AppError('AUTH_003', 'Only end users can call this route') : undefined);
  return {
    user,
    optionalUser: Router().use(optional, usersOnlyIfPresent),
    admin: Router().use(user, requireRole('admin')),
    service: Router().use(required, requireRole('service')),
  };
}
