import type { Response } from 'express';
import { sendOk, type Pagination } from '@platform/shared/http';
import type { AdminStats } from '../usecases/admin/admin-stats.ts';
import type { Analytics } from '../usecases/admin/analytics.ts';
import type { UserDeletion } from '../usecases/admin/deletion-port.ts';
import type { UserListPage } from '../usecases/admin/list-port.ts';
import { encodeCursor } from './admin-schemas.ts';

/** The delete saga as the admin sees it. */
export const toDeletionJson = (d: UserDeletion) => ({
  requested_at: d.requestedAt.toISOString(),
  requested_by: d.requestedBy,
  completed_at: d.completedAt ? d.completedAt.toISOString() : null,
  waiting_for: d.waitingFor,
  erased: d.erased,
});

type ListPagination = Pagination & { total_estimated: boolean; next_cursor: string | null };

/**
 * A list page with meta.pagination: the guide's fields plus total_estimated (true when total is the
 * planner's estimate) and next_cursor (keyset continuation; pass it back as ?cursor=).
 */
export function sendUserPage<T>(res: Response, page: UserListPage, items: T[], req: { limit: number; offset: number; cursor: boolean }): void {
  const pagination: ListPagination = {
    limit: req.limit,
    offset: req.cursor ? 0 : req.offset,
    total: page.total,
    has_next: page.hasNext,
    has_prev: req.cursor || req.offset > 0,
    total_estimated: page.totalEstimated,
    next_cursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
  };
  sendOk(res, items, 200, pagination);
}

export const toStatsJson = (s: AdminStats) => ({
  total: s.total,
  by_status: s.byStatus,
  by_role: s.byRole,
  signups_per_day: { from: s.from, to: s.to, days: s.signupsPerDay },
});

export const toAnalyticsJson = (a: Analytics) => ({
  from: a.from,
  to: a.to,
  daily_active_users: a.dailyActiveUsers,
  retention: a.retention.map((c) => ({
    cohort_week: c.cohortWeek,
    signups: c.signups,
    weeks: c.weeks.map((w) => ({ week: w.week, active_users: w.activeUsers, rate: w.rate })),
  })),
});
