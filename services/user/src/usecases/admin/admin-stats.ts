import type { AdminDeps } from './admin-deps.ts';
import type { UserCounts } from './admin-reads-port.ts';

export type AdminStats = UserCounts & { signupsPerDay: { date: string; count: number }[]; from: string; to: string };

/** GET /admin/stats: counts by status and role, and sign-ups per UTC day in [from, to]. */
export async function getAdminStats(deps: Pick<AdminDeps, 'adminReads'>, range: { from: string; to: string }): Promise<AdminStats> {
  const [counts, signupsPerDay] = await Promise.all([deps.adminReads.counts(), deps.adminReads.signupsPerDay(range.from, range.to)]);
  return { ...counts, signupsPerDay, ...range };
}
