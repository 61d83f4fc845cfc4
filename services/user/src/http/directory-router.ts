import { Router } from 'express';
import { parsePagination, sendNoContent, validate } from '@platform/shared/http';
import type { AdminDeps } from '../usecases/admin/admin-deps.ts';
import { deleteUser } from '../usecases/admin/delete-user.ts';
import { listDirectory } from '../usecases/admin/list-users.ts';
import { decodeCursor, defaultOrder, directoryQuery } from './admin-schemas.ts';
import { sendUserPage } from './admin-presenters.ts';
import type { Guards } from '@platform/shared/auth';
import { toPublicUserJson } from './presenters.ts';
import { userIdParams } from './schemas.ts';
import { viewerOf } from './viewer.ts';

/** GET /users (the directory: active people, public fields) and DELETE /users/:id (self or admin: the delete saga). */
export function createDirectoryRouter(deps: AdminDeps, guards: Guards): Router {
  const router = Router();

  router.get('/users', guards.user, async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(directoryQuery, req.query, 'query');
    const sort = { field: q.sort, order: q.order ?? defaultOrder(q.sort) };
    const cursor = q.cursor ? decodeCursor(q.cursor, sort) : undefined;
    const result = await listDirectory(deps, { ...(q.q && { q: q.q }), ...(q.role && { role: q.role }), sort, ...page, ...(cursor && { cursor }) });
    sendUserPage(res, result, result.items.map(toPublicUserJson), { ...page, cursor: cursor !== undefined });
  });

  router.delete('/users/:id', guards.user, async (req, res) => {
    const { id } = validate(userIdParams, req.params, 'path');
    await deleteUser(deps, viewerOf(req), id, { adminRoute: false });
    sendNoContent(res);
  });

  return router;
}
