import { Router } from 'express';
import { AppError } from '@platform/shared/errors';
import { jsonBody, sendOk, validate } from '@platform/shared/http';
import type { ProfilePatch } from '../domain/user.ts';
import type { AdminDeps } from '../usecases/admin/admin-deps.ts';
import { bulkUpdateUsers, createUsersBatch, type BatchResult, type NewProfileItem, type ProfileUpdateItem } from '../usecases/admin/service-batches.ts';
import { batchCreateBody, batchCreateItem, bulkUpdateBody, bulkUpdateItem } from './admin-schemas.ts';
import { batchAnswer, checkItems } from './batch-items.ts';
import type { Guards } from '@platform/shared/auth';
import { toProfilePatch } from './schemas.ts';

const nothingToChange = () =>
  new AppError('VAL_001', 'The item changes nothing', { details: [{ field: 'item', issue: 'empty', message: 'Send at least one field besides id' }] });

/**
 * /services/users/{batch,bulk-update}: service accounts (a client_credentials token, role service).
 * Mounted before the app's small JSON parser: the caller is proven first, then up to 5 MB is read.
 * Per-item results; 201 when something was created.
 */
export function createServicesRouter(deps: AdminDeps, guards: Guards): Router {
  const router = Router();
  router.use('/services/users', guards.service, jsonBody('5mb'));

  router.post('/services/users/batch', async (req, res) => {
    const { users } = validate(batchCreateBody, req.body);
    const { valid, invalid } = checkItems(users, batchCreateItem, (i): Omit<NewProfileItem, 'index'> => ({
      email: i.email, displayName: i.display_name,
      ...(i.first_name !== undefined && { firstName: i.first_name }), ...(i.last_name !== undefined && { lastName: i.last_name }),
      ...(i.locale !== undefined && { locale: i.locale }), ...(i.timezone !== undefined && { timezone: i.timezone }),
    }));
    const results: BatchResult[] = [...invalid, ...await createUsersBatch(deps, valid)];
    const answer = batchAnswer(results);
    sendOk(res, answer, (answer.summary.created ?? 0) > 0 ? 201 : 200);
  });

  router.post('/services/users/bulk-update', async (req, res) => {
    const { users } = validate(bulkUpdateBody, req.body);
    const { valid, invalid } = checkItems(users, bulkUpdateItem, (i): Omit<ProfileUpdateItem, 'index'> => {
      const patch: ProfilePatch = toProfilePatch(i);
      if (Object.keys(patch).length === 0) throw nothingToChange();
      return { id: i.id, patch };
    });
    sendOk(res, batchAnswer([...invalid, ...await bulkUpdateUsers(deps, valid)]));
  });

  return router;
}
