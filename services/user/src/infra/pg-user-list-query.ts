import type { Pool } from '@platform/shared/db';
import type { ListCursor, UserListFilter, UserListPage, UserListQuery, UserListRequest, UserSortField } from '../usecases/admin/list-port.ts';
import { toUser, USER_COLUMNS, type UserRow } from './pg-user-repo.ts';

/**
 * How `total` is found without counting 1M rows on every request. The planner's row estimate for the
 * filter comes first (EXPLAIN, a fraction of a millisecond). Up to EXACT_COUNT_LIMIT estimated rows
 * the matches are counted (a count bounded at EXACT_COUNT_LIMIT + 1 rows, run beside the page query);
 * beyond it the estimate is returned with total_estimated. The last page of a list always gets the
 * exact total (offset + its rows), and has_next is always exact (limit + 1 rows are read).
 */
export const EXACT_COUNT_LIMIT = 10_000;

/**
 * A name/email search first reads up to this many matches in one go (the planner picks the trigram
 * indexes for a rare term, a plain scan for a common one) and, when that is all of them, sorts them
 * and counts them exactly in the same query. A term matching more is common enough for the usual
 * path (walk the sort index, filter, estimate the total). The planner's LIKE '%…%' estimates are too
 * far off (19 000 for a name with 1 023 matches, 9 700 for one with 15 000) to choose between the two.
 */
export const SEARCH_PROBE_LIMIT = 2_000;

// The cursor value of each sort field as text; timestamps keep their microseconds so no row is skipped.
const CURSOR_VALUE: Readonly<Record<UserSortField, string>> = {
  created_at: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  display_name: 'display_name',
  email: 'email',
};
const CURSOR_CAST: Readonly<Record<UserSortField, string>> = { created_at: 'timestamptz', display_name: 'text', email: 'text' };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export type Where = { sql: string; params: unknown[] };

/** WHERE clause for a filter (and the keyset condition of a cursor); every value travels as a parameter. */
export function whereOf(filter: UserListFilter, cursor: ListCursor | undefined, params: unknown[] = []): Where {
  const clauses: string[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.statuses.length > 0) {
    // One status is an equality the (status, role, created_at) index serves; several are an IN list.
    clauses.push(filter.statuses.length === 1 ? `status = ${p(filter.statuses[0])}` : `status = ANY(${p(filter.statuses)}::text[])`);
  }
  if (filter.role) clauses.push(`role = ${p(filter.role)}`);
  if (filter.q) {
    // Same expressions as the trigram GIN indexes: lower(display_name) and email (stored lower-case).
    const pattern = p(`%${escapeLike(filter.q.toLowerCase())}%`);
    clauses.push(filter.searchEmail ? `(lower(display_name) LIKE ${pattern} OR email LIKE ${pattern})` : `lower(display_name) LIKE ${pattern}`);
  }
  if (filter.createdFrom) clauses.push(`created_at >= ${p(filter.createdFrom)}`);
  if (filter.createdTo) clauses.push(`created_at <= ${p(filter.createdTo)}`);
  if (cursor) clauses.push(keyset(cursor, p));
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** A row comparison on (sort column, id): one index range condition. */
function keyset(cursor: ListCursor, p: (v: unknown) => string): string {
  const op = cursor.order === 'asc' ? '>' : '<';
  return `(${cursor.field}, id) ${op} (${p(cursor.value)}::${CURSOR_CAST[cursor.field]}, ${p(cursor.id)}::uuid)`;
}

type ListRow = UserRow & { cursor_value: string };
type Found = { rows: ListRow[]; total: number; estimated: boolean };

export function createPgUserListQuery(pool: Pool): UserListQuery {
  async function plannedRows(where: Where): Promise<number> {
    const plan = await pool.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM users.users ${where.sql}`, where.params);
    return Math.round(plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0);
  }

  async function cappedCount(where: Where): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM users.users ${where.sql} LIMIT ${EXACT_COUNT_LIMIT + 1}) s`, where.params);
    return rows[0]?.n ?? 0;
  }

  return {
    async list({ filter, sort, limit, offset, cursor }: UserListRequest): Promise<UserListPage> {
      const order = sort.order === 'asc' ? 'ASC' : 'DESC';
      const orderBy = `ORDER BY ${sort.field} ${order}, id ${order}`;
      const columns = `${USER_COLUMNS}, ${CURSOR_VALUE[sort.field]} AS cursor_value`;
      const skip = cursor ? 0 : offset;
      // total is the size of the whole filtered list, whatever page (or cursor) is asked for.
      const whole = whereOf(filter, undefined);

      // A search with few matches: read them once, sort and count them in one query (null: too many).
      async function searchPage(): Promise<Found | null> {
        const params = [...whole.params];
        const after = cursor ? `WHERE ${keyset(cursor, (v) => { params.push(v); return `$${params.length}`; })}` : '';
        params.push(limit + 1, skip);
        const { rows } = await pool.query<ListRow & { matches: number }>(
          `WITH m AS MATERIALIZED (SELECT * FROM users.users ${whole.sql} LIMIT ${SEARCH_PROBE_LIMIT + 1})
           SELECT c.matches, p.* FROM (SELECT count(*)::int AS matches FROM m) c
             LEFT JOIN LATERAL (SELECT ${columns} FROM m ${after} ${orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}) p ON true`,
          params);
        const matches = rows[0]?.matches ?? 0;
        if (matches > SEARCH_PROBE_LIMIT) return null;
        return { rows: rows.filter((r) => r.id !== null), total: matches, estimated: false };
      }

      // The sort index walked in order and filtered; the total counted only when the planner expects few rows.
      async function walkPage(): Promise<Found> {
        const estimate = await plannedRows(whole);
        const where = whereOf(filter, cursor);
        const n = where.params.length;
        // A search lands here only with over SEARCH_PROBE_LIMIT matches: not worth counting them.
        const counted = estimate <= EXACT_COUNT_LIMIT && !filter.q ? cappedCount(whole) : undefined;
        const { rows } = await pool.query<ListRow>(
          `SELECT ${columns} FROM users.users ${where.sql} ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...where.params, limit + 1, skip]);
        const shown = Math.min(rows.length, limit);
        const hasNext = rows.length > limit;
        const exactCount = counted ? await counted : undefined;
        // The last page of a list knows its total.
        if (!hasNext && !cursor && (shown > 0 || offset === 0)) return { rows, total: offset + shown, estimated: false };
        if (exactCount !== undefined && exactCount <= EXACT_COUNT_LIMIT) return { rows, total: exactCount, estimated: false };
        // Never fewer than the rows we know exist.
        return { rows, total: Math.max(estimate, exactCount ?? 0, skip + shown + (hasNext ? 1 : 0)), estimated: true };
      }

      const { rows, total, estimated } = (filter.q ? await searchPage() : null) ?? await walkPage();
      const hasNext = rows.length > limit;
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        items: shown.map(toUser),
        total,
        totalEstimated: estimated,
        hasNext,
        nextCursor: hasNext && last ? { field: sort.field, order: sort.order, value: last.cursor_value, id: last.id } : null,
      };
    },
  };
}
