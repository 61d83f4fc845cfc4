import type { Pool } from '@platform/shared/db';
import type { ListCursor, UserListFilter, UserListPage, UserListQuery, UserListRequest, UserSortField } from '../usecases/admin/list-port.ts';
import { toUser, USER_COLUMNS, type UserRow } from './pg-user-repo.ts';

/**
 * Up to this many matching rows the total is counted exactly (a bounded index scan); beyond it the
 * planner's row estimate is returned with total_estimated, so a list of 1M rows never counts 1M rows.
 */
export const EXACT_COUNT_LIMIT = 10_000;

// The cursor value of each sort field as text; timestamps keep their microseconds so no row is skipped.
const CURSOR_VALUE: Readonly<Record<UserSortField, string>> = {
  created_at: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  display_name: 'display_name',
  email: 'email',
};
const CURSOR_CAST: Readonly<Record<UserSortField, string>> = { created_at: 'timestamptz', display_name: 'text', email: 'text' };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export type Where = { sql: string; params: unknown[] };

/** WHERE clause for a filter; every value travels as a parameter. */
export function whereOf(filter: UserListFilter, cursor: ListCursor | undefined): Where {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // One status is an equality the (status, role, created_at) index serves; several are an IN list.
  if (filter.statuses.length === 1) clauses.push(`status = ${p(filter.statuses[0])}`);
  else clauses.push(`status = ANY(${p(filter.statuses)}::text[])`);
  if (filter.role) clauses.push(`role = ${p(filter.role)}`);
  if (filter.q) {
    // Same expressions as the trigram GIN indexes: lower(display_name) and email (stored lower-case).
    const pattern = p(`%${escapeLike(filter.q.toLowerCase())}%`);
    clauses.push(filter.searchEmail ? `(lower(display_name) LIKE ${pattern} OR email LIKE ${pattern})` : `lower(display_name) LIKE ${pattern}`);
  }
  if (filter.createdFrom) clauses.push(`created_at >= ${p(filter.createdFrom)}`);
  if (filter.createdTo) clauses.push(`created_at <= ${p(filter.createdTo)}`);
  if (cursor) {
    // A row comparison on (sort column, id) is one index range condition.
    const op = cursor.order === 'asc' ? '>' : '<';
    clauses.push(`(${cursor.field}, id) ${op} (${p(cursor.value)}::${CURSOR_CAST[cursor.field]}, ${p(cursor.id)}::uuid)`);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function createPgUserListQuery(pool: Pool): UserListQuery {
  /** Exact when there are at most EXACT_COUNT_LIMIT matches, else the planner's estimate. */
  async function total(where: Where): Promise<{ total: number; estimated: boolean }> {
    const capped = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM users.users ${where.sql} LIMIT ${EXACT_COUNT_LIMIT + 1}) s`, where.params);
    const n = capped.rows[0]?.n ?? 0;
    if (n <= EXACT_COUNT_LIMIT) return { total: n, estimated: false };
    const plan = await pool.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM users.users ${where.sql}`, where.params);
    const estimate = Math.round(plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0);
    // The estimate can undershoot; never report fewer rows than we just saw.
    return { total: Math.max(estimate, EXACT_COUNT_LIMIT + 1), estimated: true };
  }

  return {
    async list({ filter, sort, limit, offset, cursor }: UserListRequest): Promise<UserListPage> {
      const order = sort.order === 'asc' ? 'ASC' : 'DESC';
      const page = whereOf(filter, cursor);
      // The count ignores the cursor: total is the size of the whole filtered list.
      const counted = cursor ? whereOf(filter, undefined) : page;
      const n = page.params.length;
      const [{ rows }, count] = await Promise.all([
        pool.query<UserRow & { cursor_value: string }>(
          `SELECT ${USER_COLUMNS}, ${CURSOR_VALUE[sort.field]} AS cursor_value FROM users.users ${page.sql}
            ORDER BY ${sort.field} ${order}, id ${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...page.params, limit + 1, cursor ? 0 : offset]),
        total(counted),
      ]);
      const hasNext = rows.length > limit;
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        items: shown.map(toUser),
        total: count.total,
        totalEstimated: count.estimated,
        hasNext,
        nextCursor: hasNext && last ? { field: sort.field, order: sort.order, value: last.cursor_value, id: last.id } : null,
      };
    },
  };
}
