import { Router } from 'express';
import { actorOf, requireRole } from '@platform/shared/auth';
import { sendOk, validate } from '@platform/shared/http';
import type { FileDeps } from '../usecases/deps.ts';
import { getQuota, setQuota } from '../usecases/manage-quotas.ts';
import { toQuotaJson } from './presenters.ts';
import { quotaBody, userIdParams } from './schemas.ts';

/** /files/quotas/{user_id}: read (self or admin) and set (admin) a user's storage quota. Under /files so the gateway's files route covers it. */
export function createQuotasRouter(deps: FileDeps): Router {
  const router = Router();

  router.get('/files/quotas/me', async (req, res) => {
    const actor = actorOf(req);
    sendOk(res, toQuotaJson(await getQuota(deps, actor, actor.id)));
  });

  router.get('/files/quotas/:user_id', async (req, res) => {
    const { user_id } = validate(userIdParams, req.params, 'path');
    sendOk(res, toQuotaJson(await getQuota(deps, actorOf(req), user_id)));
  });

  router.put('/files/quotas/:user_id', requireRole('admin'), async (req, res) => {
    const { user_id } = validate(userIdParams, req.params, 'path');
    const { limit_bytes } = validate(quotaBody, req.body);
    sendOk(res, toQuotaJson(await setQuota(deps, actorOf(req), user_id, limit_bytes)));
  });

  return router;
}
