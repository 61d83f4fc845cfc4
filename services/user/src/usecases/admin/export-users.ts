import type { AdminDeps } from './admin-deps.ts';
import type { ReportRow } from './admin-reads-port.ts';
import { adminStatuses, type AdminListFilter } from './list-users.ts';

/** Rows read per query while a report streams. */
export const REPORT_BATCH = 1_000;

/** GET /admin/reports: the users matching the admin list's filters, oldest first, one batch at a time. */
export function exportUsers(deps: Pick<AdminDeps, 'adminReads'>, f: AdminListFilter): AsyncIterable<ReportRow[]> {
  return deps.adminReads.reportBatches({
    statuses: f.status ? [f.status] : [...adminStatuses(), 'deleted'], searchEmail: true,
    ...(f.role && { role: f.role }), ...(f.q && { q: f.q }),
    ...(f.createdFrom && { createdFrom: f.createdFrom }), ...(f.createdTo && { createdTo: f.createdTo }),
  }, REPORT_BATCH);
}
