import type { AuditFilter, AuditRecord, AuditSort } from '../domain/audit-record.ts';
import type { AuthDeps } from './deps.ts';
import type { Page } from './ports.ts';

/** The audit trail for admins, newest first unless asked otherwise. */
export function listAudit(
  deps: Pick<AuthDeps, 'db' | 'auditReader'>, filter: AuditFilter, sort: AuditSort, page: Page,
): Promise<{ items: AuditRecord[]; total: number }> {
  return deps.auditReader.list(deps.db, filter, sort, page);
}
