import { Router } from 'express';
import { actorOf } from '@platform/shared/auth';
import { jsonBody, parsePagination, sendList, sendOk, validate } from '@platform/shared/http';
import { accountErrors } from '../domain/account-errors.ts';
import type { AuthDeps } from '../usecases/deps.ts';
import { inviteUsers } from '../usecases/invite-users.ts';
import { dailyLogins, getIdentity, lookupIdentities } from '../usecases/read-identities.ts';
import { updateIdentity } from '../usecases/update-identity.ts';
import { dailyLoginsQuery, identityPatchBody, inviteUsersBody, lookupBody, userIdParams } from './account-schemas.ts';
import type { Guards } from './guards.ts';
import { toDailyLoginsJson, toIdentityJson } from './identity-presenters.ts';
import { requestMeta } from './request-meta.ts';

/**
 * /internal/...: identities for the other services (never routed by the gateway). Mounted before the
 * app's 20 kb JSON parser: a bulk import of 500 users needs more, and this parser reads a body only
 * after the caller proved to be a service account.
 */
export function createInternalRouter(deps: AuthDeps, guards: Guards): Router {
  const router = Router();
  router.use('/internal', guards.service, jsonBody('1mb'));

  router.get('/internal/users/:id', async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    sendOk(res, toIdentityJson(await getIdentity(deps, id)));
  });

  router.post('/internal/users/lookup', async (req, res) => {
    const { ids } = validate(lookupBody, req.body);
    const { users, missing } = await lookupIdentities(deps, ids);
    sendOk(res, { users: users.map(toIdentityJson), missing });
  });

  router.post('/internal/users', async (req, res) => {
    const body = validate(inviteUsersBody, req.body);
    const results = await inviteUsers(deps, actorOf(req), { users: body.users, source: body.source, invitedBy: body.invited_by ?? null }, requestMeta(req));
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const summary = { created: count('created'), exists: count('exists'), invalid: count('invalid') };
    sendOk(res, { results, summary }, summary.created > 0 ? 201 : 200);
  });

  router.patch('/internal/users/:id', async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    const patch = validate(identityPatchBody, req.body);
    if (patch.role === undefined && patch.status === undefined && patch.email === undefined) throw accountErrors.nothingToChange();
    sendOk(res, toIdentityJson(await updateIdentity(deps, actorOf(req), id, patch, requestMeta(req))));
  });

  router.get('/internal/logins/daily', async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(dailyLoginsQuery, req.query, 'query');
    const { items, total } = await dailyLogins(deps, { from: q.from, to: q.to, ...(q.user_id && { userId: q.user_id }) }, page);
    sendList(res, items.map(toDailyLoginsJson), { ...page, total });
  });

  return router;
}
