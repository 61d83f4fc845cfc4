import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { Router, type Request } from 'express';
import { parsePagination, sendCreated, sendNoContent, sendOk, validate } from '@platform/shared/http';
import { userErrors } from '../domain/user-errors.ts';
import type { User } from '../domain/user.ts';
import type { AdminDeps } from '../usecases/admin/admin-deps.ts';
import type { ReportRow } from '../usecases/admin/admin-reads-port.ts';
import { getAdminStats } from '../usecases/admin/admin-stats.ts';
import { getAnalytics } from '../usecases/admin/analytics.ts';
import { banUser, changeAccount, unbanUser } from '../usecases/admin/change-account.ts';
import { deleteUser } from '../usecases/admin/delete-user.ts';
import { exportUsers } from '../usecases/admin/export-users.ts';
import { inviteUser } from '../usecases/admin/invite-user.ts';
import { listUsersForAdmin } from '../usecases/admin/list-users.ts';
import {
  adminListQuery, adminUserPutBody, banBody, createdRange, dayRange, dayRangeQuery, decodeCursor, defaultOrder, emptyBody, inviteBody, reportQuery,
} from './admin-schemas.ts';
import { sendUserPage, toAnalyticsJson, toDeletionJson, toStatsJson } from './admin-presenters.ts';
import { expectedVersion, setEtag } from './etag.ts';
import type { Guards } from '@platform/shared/auth';
import { toUserJson } from './presenters.ts';
import { toProfilePatch, userIdParams } from './schemas.ts';
import { viewerOf } from './viewer.ts';

const REPORT_COLUMNS: [keyof ReportRow, string][] = [
  ['id', 'id'], ['email', 'email'], ['displayName', 'display_name'], ['firstName', 'first_name'], ['lastName', 'last_name'],
  ['role', 'role'], ['status', 'status'], ['locale', 'locale'], ['timezone', 'timezone'],
  ['createdAt', 'created_at'], ['updatedAt', 'updated_at'], ['deletedAt', 'deleted_at'],
];

// A cell starting with one of these is a formula to spreadsheet programs (CSV injection): quote it as text.
const FORMULA_START = /^[=+\-@\t\r]/;
const safeCell = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);

const pathId = (req: Request) => validate(userIdParams, req.params, 'path').id;

/** /admin/users…, /admin/stats, /admin/reports, /admin/analytics: role admin only. */
export function createAdminRouter(deps: AdminDeps, guards: Guards): Router {
  const router = Router();
  router.use(['/admin/users', '/admin/stats', '/admin/reports', '/admin/analytics'], guards.admin);

  const sendUser = async (res: Parameters<typeof setEtag>[0], user: User, status = 200) => {
    const deletion = user.status === 'deleted' ? await deps.deletions.find(deps.db, user.id) : null;
    setEtag(res, user.version);
    const data = { ...toUserJson(user), deletion: deletion ? toDeletionJson(deletion) : null };
    if (status === 201) sendCreated(res, data);
    else sendOk(res, data);
  };

  router.get('/admin/users', async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(adminListQuery, req.query, 'query');
    const sort = { field: q.sort, order: q.order ?? defaultOrder(q.sort) };
    const cursor = q.cursor ? decodeCursor(q.cursor, sort) : undefined;
    const result = await listUsersForAdmin(deps, {
      ...(q.status && { status: q.status }), ...(q.role && { role: q.role }), ...(q.q && { q: q.q }), ...createdRange(q),
      sort, ...page, ...(cursor && { cursor }),
    });
    sendUserPage(res, result, result.items.map(toUserJson), { ...page, cursor: cursor !== undefined });
  });

  router.post('/admin/users', async (req, res) => {
    const body = validate(inviteBody, req.body);
    const user = await inviteUser(deps, viewerOf(req), { email: body.email, displayName: body.display_name, role: body.role });
    await sendUser(res, user, 201);
  });

  router.get('/admin/users/:id', async (req, res) => {
    const id = pathId(req);
    const user = await deps.users.findById(deps.db, id);
    if (!user) throw userErrors.notFound(id);
    await sendUser(res, user);
  });

  router.put('/admin/users/:id', async (req, res) => {
    const id = pathId(req);
    const version = expectedVersion(req);
    const body = validate(adminUserPutBody, req.body);
    const profile = toProfilePatch(body);
    if (Object.keys(profile).length === 0 && body.role === undefined && body.status === undefined && body.email === undefined
      && body.ban_reason === undefined && body.banned_until === undefined) throw userErrors.nothingToChange();
    const user = await changeAccount(deps, viewerOf(req), id, {
      profile,
      ...(body.role !== undefined && { role: body.role }),
      ...(body.status !== undefined && { status: body.status }),
      ...(body.email !== undefined && { email: body.email }),
      ...(body.ban_reason !== undefined && { banReason: body.ban_reason }),
      ...(body.banned_until !== undefined && { bannedUntil: body.banned_until === null ? null : new Date(body.banned_until) }),
    }, version === undefined ? {} : { expectedVersion: version });
    await sendUser(res, user);
  });

  router.delete('/admin/users/:id', async (req, res) => {
    await deleteUser(deps, viewerOf(req), pathId(req), { adminRoute: true });
    sendNoContent(res);
  });

  router.post('/admin/users/:id/ban', async (req, res) => {
    const id = pathId(req);
    const body = validate(banBody, req.body);
    await sendUser(res, await banUser(deps, viewerOf(req), id, { reason: body.reason, until: body.until ? new Date(body.until) : null }));
  });

  router.post('/admin/users/:id/unban', async (req, res) => {
    const id = pathId(req);
    validate(emptyBody, req.body ?? {});
    await sendUser(res, await unbanUser(deps, viewerOf(req), id));
  });

  router.get('/admin/stats', async (req, res) => {
    const range = dayRange(validate(dayRangeQuery, req.query, 'query'), deps.now(), 30);
    sendOk(res, toStatsJson(await getAdminStats(deps, range)));
  });

  router.get('/admin/analytics', async (req, res) => {
    const range = dayRange(validate(dayRangeQuery, req.query, 'query'), deps.now(), 28);
    sendOk(res, toAnalyticsJson(await getAnalytics(deps, range)));
  });

  router.get('/admin/reports', async (req, res) => {
    const q = validate(reportQuery, req.query, 'query');
    const batches = exportUsers(deps, { ...(q.status && { status: q.status }), ...(q.role && { role: q.role }), ...(q.q && { q: q.q }), ...createdRange(q) });
    // The first batch is read before anything is sent, so a failing database still gets an error envelope.
    const iterator = batches[Symbol.asyncIterator]();
    const first = await iterator.next();
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="users-${deps.now().toISOString().slice(0, 10)}.csv"`);
    res.setHeader('cache-control', 'no-store');
    async function* rows() {
      if (first.done) return;
      yield* first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield* next.value;
    }
    const csv = stringify({
      header: true,
      columns: REPORT_COLUMNS.map(([key, header]) => ({ key, header })),
      cast: { string: safeCell },
    });
    try {
      // pipeline passes the response's backpressure back to the reads: a slow client slows the batches.
      await pipeline(Readable.from(rows()), csv, res);
    } catch (err) {
      // The client went away or a later batch failed: the response is cut short (headers are out).
      deps.logger.warn('user report stream ended early', { err: (err as Error).message });
      res.destroy();
    }
  });

  return router;
}
