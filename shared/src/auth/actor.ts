import type { Request } from 'express';
import { AppError } from '../errors/app-error.ts';

export type Role = 'user' | 'admin' | 'service';

export const ROLES: readonly Role[] = ['user', 'admin', 'service'];

/** Who is calling, from a verified access token. `type` tells end users (user, admin) from service accounts. */
export type Actor = {
  /** The token's `sub`: a user id, or a service account's id. */
  id: string;
  role: Role;
  type: 'user' | 'service';
  /** Session id; service tokens may have none. */
  sid?: string;
  jti?: string;
  /** Unix seconds. */
  iat: number;
  exp: number;
};

declare global {
  // Type-only augmentation so handlers read req.actor without casts.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      actor?: Actor;
    }
  }
}

/** The authenticated actor of a request behind authenticate(); AUTH_001 if there is none. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new AppError('AUTH_001', 'Authentication required');
  return req.actor;
}
