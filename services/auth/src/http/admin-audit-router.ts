import { Router } from 'express';
import { parsePagination, sendList, validate } from '@platform/shared/http';
import { accountErrors } from '../domain/account-errors.ts';
import type { AuthDeps } from '../usecases/deps.ts';
import { listAudit } from '../usecases/list-audit.ts';
import { auditQuery } from './account-schemas.ts';
import type { Guards } from './guards.ts';
import { toAuditRecordJson } from './identity-presenters.ts';

/** GET /admin/audit: the audit trail, filtered and paginated, for admins. */
export function createAdminAuditRouter(deps: AuthDeps, guards: Guards): Router {
  const router = Router();

  router.get('/admin/audit', guards.admin, async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(auditQuery, req.query, 'query');
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    if (from && to && from > to) throw accountErrors.invalidRange({ field: 'to', issue: 'before_from', message: 'Must not be before from' });
    const { items, total } = await listAudit(
      deps,
      { ...(q.event && { event: q.event }), ...(q.user_id && { userId: q.user_id }), ...(q.ip && { ip: q.ip }), ...(from && { from }), ...(to && { to }) },
      { field: q.sort, order: q.order },
      page,
    );
    sendList(res, items.map(toAuditRecordJson), { ...page, total });
  });

  return router;
}
