import type { AuditFilter, AuditRecord } from '../domain/audit-record.ts';
import type { AuditReader, Db } from '../usecases/ports.ts';

type Row = {
  id: string; event: string; user_id: string | null; actor_id: string | null; ip: string | null; user_agent: string | null;
  details: Record<string, unknown>; created_at: Date;
};
const toRecord = (r: Row): AuditRecord => ({
  id: r.id, event: r.event, userId: r.user_id, actorId: r.actor_id, ip: r.ip, userAgent: r.user_agent, details: r.details, createdAt: r.created_at,
});

/** WHERE clause and parameters for a filter; every value travels as a parameter. */
function where(filter: AuditFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    clauses.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.event) add('event = ?', filter.event);
  if (filter.userId) add('user_id = ?', filter.userId);
  if (filter.ip) add('ip = ?::inet', filter.ip);
  if (filter.from) add('created_at >= ?', filter.from);
  if (filter.to) add('created_at <= ?', filter.to);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Reads of the audit trail (admin route, login analytics); writes stay in pg-audit-log.ts. */
export function createPgAuditReader(): AuditReader {
  return {
    async list(db: Db, filter, sort, { limit, offset }) {
      const w = where(filter);
      // Only whitelisted fields reach here (AUDIT_SORT_FIELDS), so the interpolation is safe; id breaks ties.
      const order = sort.order === 'asc' ? 'ASC' : 'DESC';
      const [{ rows }, count] = await Promise.all([
        db.query<Row>(
          `SELECT id::text, event, user_id, actor_id, host(ip) AS ip, user_agent, details, created_at FROM auth.audit_log ${w.sql}
            ORDER BY ${sort.field} ${order}, id ${order} LIMIT $${w.params.length + 1} OFFSET $${w.params.length + 2}`,
          [...w.params, limit, offset]),
        db.query<{ n: string }>(`SELECT count(*) AS n FROM auth.audit_log ${w.sql}`, w.params),
      ]);
      return { items: rows.map(toRecord), total: Number(count.rows[0]?.n ?? 0) };
    },

    async dailyLogins(db: Db, { from, to, userId }, { limit, offset }) {
      // Days are UTC days; `to` is inclusive, so the range ends at the start of the next day.
      const params: unknown[] = [from, to];
      let byUser = '';
      if (userId) {
        params.push(userId);
        byUser = 'AND user_id = $3';
      }
      const grouped = `SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS date, user_id, count(*)::int AS logins
          FROM auth.audit_log
         WHERE event = 'login_success' AND user_id IS NOT NULL
           AND created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
           AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' ${byUser}
         GROUP BY 1, 2`;
      const [{ rows }, count] = await Promise.all([
        db.query<{ date: string; user_id: string; logins: number }>(
          `${grouped} ORDER BY 1, 2 LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, limit, offset]),
        db.query<{ n: string }>(`SELECT count(*) AS n FROM (${grouped}) g`, params),
      ]);
      return { items: rows.map((r) => ({ date: r.date, userId: r.user_id, logins: r.logins })), total: Number(count.rows[0]?.n ?? 0) };
    },
  };
}
