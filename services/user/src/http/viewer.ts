import type { Request } from 'express';
import { actorOf } from '@platform/shared/auth';
import type { Viewer } from '../domain/user.ts';

/** The authenticated caller as the domain rules see it. */
export const viewerOf = (req: Request): Viewer => {
  const actor = actorOf(req);
  return { id: actor.id, role: actor.role };
};
