import { Router, type Request, type Response } from 'express';
import { sendOk, validate } from '@platform/shared/http';
import type { User } from '../domain/user.ts';
import { userErrors } from '../domain/user-errors.ts';
import type { UserDeps } from '../usecases/deps.ts';
import { getUser } from '../usecases/get-user.ts';
import { updateProfile } from '../usecases/update-profile.ts';
import { expectedVersion, notModified, sendNotModified, setEtag } from './etag.ts';
import type { Guards } from '@platform/shared/auth';
import { toProfileJson, toPublicProfileJson, toPublicUserJson, toUserJson } from './presenters.ts';
import { profilePatchBody, profilePutBody, toProfilePatch, userIdParams } from './schemas.ts';
import { viewerOf } from './viewer.ts';

const send = (res: Response, user: User, data: unknown) => {
  setEtag(res, user.version);
  sendOk(res, data);
};

const versionOption = (req: Request) => {
  const v = expectedVersion(req);
  return v === undefined ? {} : { expectedVersion: v };
};

/**
 * /users/:id and /users/:id/profile: public fields for any signed-in user, the whole record for the
 * user themselves and admins; writes by self or an admin. (GET /users and DELETE /users/:id: U2's routers.)
 */
export function createUsersRouter(deps: UserDeps, guards: Guards): Router {
  const router = Router();

  router.get('/users/:id', guards.user, async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    const { user, full } = await getUser(deps, viewerOf(req), id);
    if (notModified(req, user.version)) return sendNotModified(res, user.version);
    send(res, user, full ? toUserJson(user) : toPublicUserJson(user));
  });

  router.get('/users/:id/profile', guards.user, async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    const { user, full } = await getUser(deps, viewerOf(req), id);
    if (notModified(req, user.version)) return sendNotModified(res, user.version);
    send(res, user, full ? toProfileJson(user) : toPublicProfileJson(user));
  });

  const put = (present: (u: User) => unknown) => async (req: Request, res: Response) => {
    const { id } = validate(userIdParams, req.params, 'path');
    const opts = versionOption(req);
    const body = validate(profilePutBody, req.body);
    send(res, ...withData(await updateProfile(deps, viewerOf(req), id, toProfilePatch(body), opts), present));
  };
  router.put('/users/:id', guards.user, put(toUserJson));
  router.put('/users/:id/profile', guards.user, put(toProfileJson));

  router.patch('/users/:id', guards.user, async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    const opts = versionOption(req);
    const patch = toProfilePatch(validate(profilePatchBody, req.body));
    if (Object.keys(patch).length === 0) throw userErrors.nothingToChange();
    send(res, ...withData(await updateProfile(deps, viewerOf(req), id, patch, opts), toUserJson));
  });

  return router;
}

const withData = (user: User, present: (u: User) => unknown): [User, unknown] => [user, present(user)];
