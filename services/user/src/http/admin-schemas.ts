import { z } from 'zod';
import { AppError } from '@platform/shared/errors';
import { USER_ROLES, USER_STATUSES } from '../domain/user.ts';
import { ADMIN_SORT_FIELDS, DIRECTORY_SORT_FIELDS, type ListCursor, type UserSortField } from '../usecases/admin/list-port.ts';
import { profilePatchBody, profilePutBody } from './schemas.ts';

// Request schemas of the directory, admin, service and batch routes (U1's schemas.ts holds the profile ones).
const isoDateTime = z.iso.datetime({ offset: true, error: 'Must be an ISO 8601 date-time with an offset, e.g. 2025-01-01T00:00:00Z' });
const isoDate = z.iso.date({ error: 'Must be a date as YYYY-MM-DD' });
// parsePagination checks limit and offset; the strict query schemas only have to allow them.
const pageParams = { limit: z.unknown().optional(), offset: z.unknown().optional() };
// A search needs 3 characters: shorter ones cannot use the trigram indexes and would scan every row.
const search = z.string().trim().min(3).max(100);
const email = z.string().trim().max(320).pipe(z.email({ error: 'Must be a valid email address' }));
const order = z.enum(['asc', 'desc']).optional();
const cursor = z.string().min(1).max(500).optional();

export const directoryQuery = z.strictObject({
  ...pageParams, cursor, q: search.optional(), role: z.enum(USER_ROLES).optional(),
  sort: z.enum(DIRECTORY_SORT_FIELDS).default('created_at'), order,
});

const adminFilters = {
  status: z.enum(USER_STATUSES).optional(),
  role: z.enum(USER_ROLES).optional(),
  q: search.optional(),
  created_from: isoDateTime.optional(),
  created_to: isoDateTime.optional(),
};

export const adminListQuery = z.strictObject({ ...pageParams, cursor, ...adminFilters, sort: z.enum(ADMIN_SORT_FIELDS).default('created_at'), order });
export const reportQuery = z.strictObject(adminFilters);

/** Names sort ascending by default, dates newest first. */
export const defaultOrder = (field: UserSortField) => (field === 'created_at' ? 'desc' : 'asc');

const invalidCursor = () => new AppError('VAL_002', 'cursor is not valid for this list', { details: [{ field: 'cursor', issue: 'invalid', message: 'Use the next_cursor of the same list and sort' }] });
const cursorShape = z.tuple([z.enum(ADMIN_SORT_FIELDS), z.enum(['asc', 'desc']), z.string().max(400), z.uuid()]);

export const encodeCursor = (c: ListCursor): string => Buffer.from(JSON.stringify([c.field, c.order, c.value, c.id])).toString('base64url');

/** An opaque next_cursor back into its parts; it must belong to the same sort it is used with. */
export function decodeCursor(raw: string, sort: { field: UserSortField; order: 'asc' | 'desc' }): ListCursor {
  let parsed: unknown;
  try { parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')); } catch { throw invalidCursor(); }
  const result = cursorShape.safeParse(parsed);
  if (!result.success) throw invalidCursor();
  const [field, dir, value, id] = result.data;
  if (field !== sort.field || dir !== sort.order) throw invalidCursor();
  if (field === 'created_at' && Number.isNaN(Date.parse(value))) throw invalidCursor();
  return { field, order: dir, value, id };
}

/** created_from/created_to → Dates, refusing an empty range. */
export function createdRange(q: { created_from?: string | undefined; created_to?: string | undefined }): { createdFrom?: Date; createdTo?: Date } {
  const from = q.created_from ? new Date(q.created_from) : undefined;
  const to = q.created_to ? new Date(q.created_to) : undefined;
  if (from && to && from > to) {
    throw new AppError('VAL_003', 'created_to must not be before created_from', { details: [{ field: 'created_to', issue: 'before_from', message: 'Must not be before created_from' }] });
  }
  return { ...(from && { createdFrom: from }), ...(to && { createdTo: to }) };
}

/** PUT /admin/users/:id: any of the profile fields and the account fields; the ones left out stay. */
export const adminUserPutBody = profilePatchBody.extend({
  role: z.enum(USER_ROLES).optional(),
  status: z.enum(['active', 'banned']).optional(),
  email: email.optional(),
  ban_reason: z.string().trim().min(1).max(1000).optional(),
  banned_until: isoDateTime.nullable().optional(),
});

export const banBody = z.strictObject({ reason: z.string().trim().min(1).max(1000), until: isoDateTime.nullable().optional() });
export const emptyBody = z.strictObject({});

export const inviteBody = z.strictObject({
  email,
  display_name: profilePutBody.shape.display_name,
  role: z.enum(USER_ROLES).default('user'),
});

/** A day range (YYYY-MM-DD, inclusive, UTC) of at most 366 days; default: the last `days` days. */
export const dayRangeQuery = z.strictObject({ from: isoDate.optional(), to: isoDate.optional() });

export function dayRange(q: { from?: string | undefined; to?: string | undefined }, now: Date, days: number): { from: string; to: string } {
  const to = q.to ?? now.toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (span < 0) throw new AppError('VAL_003', 'to must not be before from', { details: [{ field: 'to', issue: 'before_from', message: 'Must not be before from' }] });
  if (span > 365) throw new AppError('VAL_003', 'The range may span at most 366 days', { details: [{ field: 'from', issue: 'too_big', message: 'At most 366 days' }] });
  return { from, to };
}

/** Batch bodies: the envelope is checked as a whole, each item on its own (a bad item fails only itself). */
const batchOf = (max: number) => z.array(z.unknown()).min(1).max(max);
export const BATCH_MAX = 1_000;

export const batchCreateBody = z.strictObject({ users: batchOf(BATCH_MAX) });
export const batchCreateItem = profilePatchBody.extend({ email, display_name: profilePutBody.shape.display_name }).omit({ avatar_file_id: true, bio: true });

export const bulkUpdateBody = z.strictObject({ users: batchOf(BATCH_MAX) });
export const bulkUpdateItem = profilePatchBody.extend({ id: z.uuid() });

export const batchUpsertBody = z.strictObject({
  source: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'Must be a source name (a-z 0-9 _ . -)'),
  users: batchOf(BATCH_MAX),
});
export const batchUpsertItem = batchCreateItem.extend({ external_id: z.string().trim().min(1).max(200) });
export const batchDeactivateBody = z.strictObject({
  source: batchUpsertBody.shape.source,
  external_ids: z.array(z.string().trim().min(1).max(200)).min(1).max(BATCH_MAX),
});
