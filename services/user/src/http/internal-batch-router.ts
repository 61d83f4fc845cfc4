import { Router } from 'express';
import { jsonBody, sendOk, validate } from '@platform/shared/http';
import type { AdminDeps } from '../usecases/admin/admin-deps.ts';
import { batchDeactivateUsers } from '../usecases/admin/batch-deactivate.ts';
import { batchUpsertUsers, type UpsertItem, type UpsertResult } from '../usecases/admin/batch-upsert.ts';
import { batchDeactivateBody, batchUpsertBody, batchUpsertItem } from './admin-schemas.ts';
import { batchAnswer, checkItems } from './batch-items.ts';
import type { Guards } from '@platform/shared/auth';

/** POST /internal/users/batch-upsert and batch-deactivate (the sync service): service tokens only, per-item results. */
export function createInternalBatchRouter(deps: AdminDeps, guards: Guards): Router {
  const router = Router();

  router.post('/internal/users/batch-upsert', guards.service, jsonBody('2mb'), async (req, res) => {
    const { source, users } = validate(batchUpsertBody, req.body);
    const { valid, invalid } = checkItems(users, batchUpsertItem, (i): Omit<UpsertItem, 'index'> => ({
      externalId: i.external_id, email: i.email, displayName: i.display_name,
      ...(i.first_name !== undefined && { firstName: i.first_name }), ...(i.last_name !== undefined && { lastName: i.last_name }),
      ...(i.locale !== undefined && { locale: i.locale }), ...(i.timezone !== undefined && { timezone: i.timezone }),
    }));
    const rejected: UpsertResult[] = invalid.map((r) => ({ ...r, external_id: externalIdOf(users[r.index]) }));
    const answer = batchAnswer([...rejected, ...await batchUpsertUsers(deps, source, valid)]);
    sendOk(res, answer, (answer.summary.created ?? 0) > 0 ? 201 : 200);
  });

  router.post('/internal/users/batch-deactivate', guards.service, jsonBody('2mb'), async (req, res) => {
    const { source, external_ids: externalIds } = validate(batchDeactivateBody, req.body);
    sendOk(res, batchAnswer(await batchDeactivateUsers(deps, source, externalIds)));
  });

  return router;
}

const externalIdOf = (raw: unknown): string => {
  const v = (raw as { external_id?: unknown } | null)?.external_id;
  return typeof v === 'string' ? v : '';
};
