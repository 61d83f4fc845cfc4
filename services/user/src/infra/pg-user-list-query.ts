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
 * A name/email search reads its matches through the trigram index and sorts them (one bitmap scan
 * for the page and the count), unless the planner expects more matches than this: then walking
 * the sort index and filtering finds a page sooner. Without this the planner, which overestimates
 * LIKE '%…%' matches, walks the created_at index through most of the table for a rare name.
 */
export const SEARCH_MATERIALIZE_LIMIT = 100_000;

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

type ListRow = UserRow & { cursor_value: string; full_count?: number };

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
      const estimate = await plannedRows(whole);
      const materialize = Boolean(filter.q) && estimate <= SEARCH_MATERIALIZE_LIMIT;

      let rows: ListRow[];
      let counted: Promise<number> | undefined;
      if (materialize) {
        // One scan of the matches serves the page and the exact total.
        const params = [...whole.params];
        const after = cursor ? `WHERE ${keyset(cursor, (v) => { params.push(v); return `$${params.length}`; })}` : '';
        params.push(limit + 1, skip);
        ({ rows } = await pool.query<ListRow>(
          `WITH m AS MATERIALIZED (SELECT * FROM users.users ${whole.sql})
           SELECT ${columns}, (SELECT count(*) FROM m)::int AS full_count FROM m ${after}
            ${orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}`, params));
      } else {
        const page = whereOf(filter, cursor);
        const n = page.params.length;
        if (estimate <= EXACT_COUNT_LIMIT) counted = cappedCount(whole);
        ({ rows } = await pool.query<ListRow>(
          `SELECT ${columns} FROM users.users ${page.sql} ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...page.params, limit + 1, skip]));
      }
      const hasNext = rows.length > limit;
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);

      let total: number;
      let estimated = false;
      const exactCount = counted ? await counted : undefined;
      if (materialize && rows[0]?.full_count !== undefined) total = rows[0].full_count;
      else if (!hasNext && !cursor && (shown.length > 0 || offset === 0)) total = offset + shown.length;
      else if (exactCount !== undefined && exactCount <= EXACT_COUNT_LIMIT) total = exactCount;
      else if (materialize) total = await cappedCount(whole); // a page past the end of a search
      else {
        // Never fewer than the rows we know exist.
        total = Math.max(estimate, exactCount ?? 0, skip + shown.length + (hasNext ? 1 : 0));
        estimated = true;
      }

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
