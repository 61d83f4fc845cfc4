import type { Request } from 'express';
import { actorOf } from '@platform/shared/auth';
import { authErrors } from '../domain/auth-errors.ts';

/** The signed-in user behind a request that passed authenticate(); service tokens have no sessions to manage. */
export function userActor(req: Request): { id: string; sid: string | undefined } {
  const actor = actorOf(req);
  if (actor.type !== 'user') throw authErrors.usersOnly();
  return { id: actor.id, sid: actor.sid };
}
