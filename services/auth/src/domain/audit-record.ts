import type { AuditEvent } from './audit-events.ts';

/** One row of the audit trail as the admin route shows it. */
export type AuditRecord = {
  id: string;
  event: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
};

export type AuditFilter = {
  event?: AuditEvent;
  userId?: string;
  ip?: string;
  from?: Date;
  to?: Date;
};

export const AUDIT_SORT_FIELDS = ['created_at'] as const;
export type AuditSort = { field: (typeof AUDIT_SORT_FIELDS)[number]; order: 'asc' | 'desc' };

/** Successful logins of one user on one UTC day. */
export type DailyLogins = { date: string; userId: string; logins: number };
