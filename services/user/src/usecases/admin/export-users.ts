import type { AdminDeps } from './admin-deps.ts';
import type { ReportRow } from './admin-reads-port.ts';
import type { AdminListFilter } from './list-users.ts';

/** Rows read per query while a report streams. */
export const REPORT_BATCH = 1_000;

/** GET /admin/reports: the users matching the admin list's filters, oldest first, one batch at a time. */
export function exportUsers(deps: Pick<AdminDeps, 'adminReads'>, f: AdminListFilter): AsyncIterable<ReportRow[]> {
  return deps.adminReads.reportBatches({
    // No status filter: every status, deleted included.
    statuses: f.status ? [f.status] : [], searchEmail: true,
    ...(f.role && { role: f.role }), ...(f.q && { q: f.q }),
    ...(f.createdFrom && { createdFrom: f.createdFrom }), ...(f.createdTo && { createdTo: f.createdTo }),
  }, REPORT_BATCH);
}
