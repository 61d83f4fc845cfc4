import { Router, type RequestHandler } from 'express';
import { parsePagination, sendList, sendNoContent, validate } from '@platform/shared/http';
import type { AuthDeps } from '../usecases/deps.ts';
import { listSessions, revokeSession } from '../usecases/manage-sessions.ts';
import { userActor } from './actor.ts';
import { toSessionJson } from './presenters.ts';
import { requestMeta } from './request-meta.ts';
import { sessionIdParams } from './schemas.ts';

/** /auth/sessions: the caller's own signed-in devices. */
export function createSessionsRouter(deps: AuthDeps, { authenticated }: { authenticated: RequestHandler }): Router {
  const router = Router();

  router.get('/auth/sessions', authenticated, async (req, res) => {
    const actor = userActor(req);
    const page = parsePagination(req.query);
    const { items, total } = await listSessions(deps, actor.id, page);
    sendList(res, items.map((s) => toSessionJson(s, actor.sid)), { ...page, total });
  });

  router.delete('/auth/sessions/:id', authenticated, async (req, res) => {
    const actor = userActor(req);
    const { id } = validate(sessionIdParams, req.params, 'path');
    await revokeSession(deps, actor.id, id, requestMeta(req));
    sendNoContent(res);
  });

  return router;
}
