import type { Pool } from '@platform/shared/db';
import type { AdminReads, ReportRow, UserCounts } from '../usecases/admin/admin-reads-port.ts';
import { whereOf } from './pg-user-list-query.ts';

type ReportDbRow = {
  id: string; email: string; display_name: string; first_name: string | null; last_name: string | null; role: string; status: string;
  locale: string | null; timezone: string | null; created_iso: string; updated_iso: string; deleted_iso: string | null; cursor_at: string;
};

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The counts by status and role read every row (≈0.3 s at 1M users), so one result serves every
 * admin of this process for a few seconds.
 */
export const COUNTS_TTL_MS = 15_000;

export function createPgAdminQueries(pool: Pool): AdminReads {
  let countsCache: { value: UserCounts; until: number } | undefined;
  return {
    async counts() {
      if (countsCache && countsCache.until > Date.now()) return countsCache.value;
      const { rows } = await pool.query<{ status: string; role: string; n: number }>(
        'SELECT status, role, count(*)::int AS n FROM users.users GROUP BY status, role');
      const byStatus: Record<string, number> = { active: 0, banned: 0, deleted: 0 };
      const byRole: Record<string, number> = { user: 0, admin: 0 };
      let total = 0;
      for (const r of rows) {
        byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
        byRole[r.role] = (byRole[r.role] ?? 0) + r.n;
        total += r.n;
      }
      countsCache = { value: { total, byStatus, byRole }, until: Date.now() + COUNTS_TTL_MS };
      return countsCache.value;
    },

    async signupsPerDay(from, to) {
      // UTC days: one range read of the created_at index, grouped; generate_series fills the empty days.
      const { rows } = await pool.query<{ date: string; count: number }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS date, COALESCE(c.n, 0)::int AS count
           FROM generate_series($1::date, $2::date, interval '1 day') AS d
           LEFT JOIN (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
                        FROM users.users
                       WHERE created_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
                       GROUP BY 1) c ON c.day = d::date
          ORDER BY d`, [from, to]);
      return rows;
    },

    async *reportBatches(filter, batchSize) {
      let after: { at: string; id: string } | null = null;
      for (;;) {
        const where = whereOf(filter, undefined);
        const params = [...where.params];
        let keyset = '';
        if (after) {
          params.push(after.at, after.id);
          keyset = `${where.sql ? ' AND' : 'WHERE'} (created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
        }
        params.push(batchSize);
        // Output names differ from the columns: ORDER BY created_at must mean the column (the index), not a text.
        // Each batch is a short index range read by keyset: no transaction or cursor held open
        // while a slow client downloads, and memory stays at one batch.
        const { rows } = await pool.query<ReportDbRow>(
          `SELECT id, email, display_name, first_name, last_name, role, status, locale, timezone,
                  ${iso('created_at')} AS created_iso, ${iso('updated_at')} AS updated_iso, ${iso('deleted_at')} AS deleted_iso,
                  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
             FROM users.users ${where.sql}${keyset} ORDER BY created_at, id LIMIT $${params.length}`, params);
        if (rows.length === 0) return;
        yield rows.map((r): ReportRow => ({
          id: r.id, email: r.email, displayName: r.display_name, firstName: r.first_name, lastName: r.last_name, role: r.role, status: r.status,
          locale: r.locale, timezone: r.timezone, createdAt: r.created_iso, updatedAt: r.updated_iso, deletedAt: r.deleted_iso,
        }));
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1]!;
        after = { at: last.cursor_at, id: last.id };
      }
    },

    async signupDays(ids) {
      const out = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 5_000) {
        const { rows } = await pool.query<{ id: string; day: string }>(
          `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM users.users WHERE id = ANY($1::uuid[])`,
          [ids.slice(i, i + 5_000)]);
        for (const r of rows) out.set(r.id, r.day);
      }
      return out;
    },

    async cohortSizes(from, to) {
      const { rows } = await pool.query<{ week: string; n: number }>(
        `SELECT to_char(date_trunc('week', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week, count(*)::int AS n
           FROM users.users
          WHERE created_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
          GROUP BY 1 ORDER BY 1`, [from, to]);
      return new Map(rows.map((r) => [r.week, r.n]));
    },
  };
}
