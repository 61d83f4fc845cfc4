import { Router, type Request, type Response } from 'express';
import { actorOf, type Guards } from '@platform/shared/auth';
import { ids, validate } from '@platform/shared/http';
import type { ChangeFeedDeps } from '../usecases/change-feed-ports.ts';
import { readChanges } from '../usecases/read-changes.ts';
import { changesQuery, DEFAULT_CHANGES_LIMIT, sinceOf } from './change-schemas.ts';

type Deps = Pick<ChangeFeedDeps, 'db' | 'changes' | 'retentionDays'>;

/**
 * The change feed, read by cursor: GET /sync/changes (the signed-in user's own changes) and
 * GET /services/users/sync (every user's; service accounts). `meta.next_cursor` is the next `since`;
 * `meta.has_more` says whether another page is waiting now.
 */
export function createChangesRouter(deps: Deps, guards: Pick<Guards, 'user' | 'service'>): Router {
  const router = Router();

  const read = async (req: Request, res: Response, userId: string | null) => {
    const q = validate(changesQuery, req.query, 'query');
    const limit = q.limit ?? DEFAULT_CHANGES_LIMIT;
    const page = await readChanges(deps, { since: sinceOf(q.since), limit, userId });
    const meta = { ...ids(res), next_cursor: page.nextCursor, has_more: page.hasMore, limit };
    // The envelope around changes already rendered as JSON by the database.
    res.set('cache-control', 'no-store').type('application/json').status(200)
      .send(`{"success":true,"status_code":200,"data":[${page.items.map((c) => c.json).join(',')}],"meta":${JSON.stringify(meta)}}`);
  };

  router.get('/sync/changes', guards.user, (req, res) => read(req, res, actorOf(req).id));
  router.get('/services/users/sync', guards.service, (req, res) => read(req, res, null));
  return router;
}
