import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, createGuards as createSharedGuards, type Guards as SharedGuards } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import type { SigningKeys } from '../infra/signing-keys.ts';

/** The shared user/admin/service guards, plus auth's own optionalUser. */
export type Guards = SharedGuards & {
  /** No Authorization header passes with no req.actor; a header must hold a valid end-user token. */
  optionalUser: RequestHandler;
};

export function createGuards({ keys, issuer, redis }: { keys: SigningKeys; issuer: string; redis: Redis }): Guards {
  // auth verifies its own tokens with the keys in memory, like app.ts does.
  const getKey = async (kid: string) => keys.verification.get(kid);
  const optional = authenticate({ issuer, getKey, redis, required: false });
  const usersOnlyIfPresent: RequestHandler = (req, _res, next) =>
    next(req.actor && req.actor.type !== 'user' ? new AppError('AUTH_003', 'Only end users can call this route') : undefined);
  return {
    ...createSharedGuards({ issuer, getKey, redis }),
    optionalUser: Router().use(optional, usersOnlyIfPresent),
  };
}
