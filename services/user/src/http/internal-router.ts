import { Router } from 'express';
import { jsonBody, sendOk, validate } from '@platform/shared/http';
import type { UserDeps } from '../usecases/deps.ts';
import { lookupUsers } from '../usecases/lookup-users.ts';
import type { Guards } from '@platform/shared/auth';
import { toUserJson } from './presenters.ts';
import { lookupBody } from './schemas.ts';

/**
 * /internal/...: users for the other services (never routed by the gateway; service tokens only).
 * Mounted before the app's small JSON parser: the service is proven first, then a larger body is read.
 */
export function createInternalRouter(deps: UserDeps, guards: Guards): Router {
  const router = Router();
  router.use('/internal', guards.service, jsonBody('1mb'));

  router.post('/internal/users/lookup', async (req, res) => {
    const { ids } = validate(lookupBody, req.body);
    const { users, missing } = await lookupUsers(deps, ids);
    sendOk(res, { users: users.map(toUserJson), missing });
  });

  // U2: POST /internal/users/batch-upsert mounts here (or in internal-batch-router.ts beside this one).

  return router;
}
