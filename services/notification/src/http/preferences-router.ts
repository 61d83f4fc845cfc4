import { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Guards } from '@platform/shared/auth';
import { sendOk, validate } from '@platform/shared/http';
import { CATEGORIES, CHANNELS } from '../domain/categories.ts';
import { isLocked, type PreferenceMatrix } from '../domain/preferences.ts';
import { getPreferences, updatePreferences } from '../usecases/manage-preferences.ts';
import type { NotificationDeps } from '../usecases/deps.ts';

const channels = z.object(Object.fromEntries(CHANNELS.map((c) => [c, z.boolean().optional()]))).strict();
const preferencesBody = z
  .object(Object.fromEntries(CATEGORIES.map((c) => [c, channels.optional()])))
  .strict()
  .refine((v) => Object.values(v).some((ch) => ch && Object.keys(ch).length > 0), { message: 'Name at least one category and channel to change' });

const LOCKED = CATEGORIES.flatMap((category) => CHANNELS.filter((channel) => isLocked(category, channel)).map((channel) => ({ category, channel })));

const toJson = (matrix: PreferenceMatrix) => ({ preferences: matrix, locked: LOCKED });

/** GET/PUT /notifications/preferences: the caller's choices per category and channel. */
export function createPreferencesRouter(deps: Pick<NotificationDeps, 'db' | 'runInScope' | 'preferences'>, guards: Guards): Router {
  const router = Router();
  router.get('/notifications/preferences', guards.user, async (req, res) => {
    sendOk(res, toJson(await getPreferences(deps, actorOf(req).id)));
  });
  router.put('/notifications/preferences', guards.user, async (req, res) => {
    const patch = validate(preferencesBody, req.body);
    sendOk(res, toJson(await updatePreferences(deps, actorOf(req).id, patch)));
  });
  return router;
}
