import { Router, type Response } from 'express';
import { sendOk, validate } from '@platform/shared/http';
import { userSettingsSchema } from '../domain/settings.ts';
import type { User } from '../domain/user.ts';
import type { UserDeps } from '../usecases/deps.ts';
import { getOwnProfile } from '../usecases/get-user.ts';
import { replaceSettings, updateProfile } from '../usecases/update-profile.ts';
import { expectedVersion, notModified, sendNotModified, setEtag } from './etag.ts';
import type { Guards } from '@platform/shared/auth';
import { toSettingsJson, toUserJson } from './presenters.ts';
import { profilePutBody, toProfilePatch } from './schemas.ts';
import { viewerOf } from './viewer.ts';

const send = (res: Response, user: User, data: unknown) => {
  setEtag(res, user.version);
  sendOk(res, data);
};

/** /profile and /profile/settings: the signed-in user's own record. */
export function createProfileRouter(deps: UserDeps, guards: Guards): Router {
  const router = Router();
  router.use('/profile', guards.user);

  router.get('/profile', async (req, res) => {
    const user = await getOwnProfile(deps, viewerOf(req));
    if (notModified(req, user.version)) return sendNotModified(res, user.version);
    send(res, user, toUserJson(user));
  });

  router.put('/profile', async (req, res) => {
    const ifMatch = expectedVersion(req);
    const body = validate(profilePutBody, req.body);
    const viewer = viewerOf(req);
    const user = await updateProfile(deps, viewer, viewer.id, toProfilePatch(body), { ...(ifMatch !== undefined && { expectedVersion: ifMatch }) });
    send(res, user, toUserJson(user));
  });

  router.get('/profile/settings', async (req, res) => {
    const user = await getOwnProfile(deps, viewerOf(req));
    if (notModified(req, user.version)) return sendNotModified(res, user.version);
    send(res, user, toSettingsJson(user));
  });

  router.put('/profile/settings', async (req, res) => {
    const ifMatch = expectedVersion(req);
    const settings = validate(userSettingsSchema, req.body);
    const user = await replaceSettings(deps, viewerOf(req), settings, { ...(ifMatch !== undefined && { expectedVersion: ifMatch }) });
    send(res, user, toSettingsJson(user));
  });

  return router;
}
