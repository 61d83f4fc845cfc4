import { isIP } from 'node:net';
import { z } from 'zod';
import { AUDIT_EVENTS } from '../domain/audit-events.ts';
import { AUDIT_SORT_FIELDS } from '../domain/audit-record.ts';
import { USER_ROLES, USER_STATUSES } from '../domain/user.ts';

// Request schemas of the account flows, admin audit and internal routes. As in schemas.ts, lengths
// only guard against absurd input; email format and password policy are checked in the domain.
const email = z.string().max(320);
const secret = z.string().max(4096);
const linkToken = z.string().min(1).max(512);
const isoDateTime = z.iso.datetime({ offset: true, error: 'Must be an ISO 8601 date-time with an offset, e.g. 2025-01-01T00:00:00Z' });
const isoDate = z.iso.date({ error: 'Must be a date as YYYY-MM-DD' });
// parsePagination checks limit and offset; the strict query schemas only have to allow them.
const pageParams = { limit: z.unknown().optional(), offset: z.unknown().optional() };

export const forgotPasswordBody = z.strictObject({ email });
export const resetPasswordBody = z.strictObject({ token: linkToken, password: secret });
export const verifyEmailBody = z.strictObject({ token: linkToken });
export const resendVerificationBody = z.strictObject({ email });
/** The authenticated resend names nobody: the token says who. */
export const emptyBody = z.strictObject({});
export const changePasswordBody = z.strictObject({ current_password: secret.min(1), new_password: secret });

export const auditQuery = z.strictObject({
  ...pageParams,
  event: z.enum(Object.values(AUDIT_EVENTS)).optional(),
  user_id: z.uuid().optional(),
  ip: z.string().refine((v) => isIP(v) !== 0, 'Must be an IPv4 or IPv6 address').optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  sort: z.enum(AUDIT_SORT_FIELDS).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

export const userIdParams = z.strictObject({ id: z.uuid() });

export const lookupBody = z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) });

export const dailyLoginsQuery = z.strictObject({ ...pageParams, from: isoDate, to: isoDate, user_id: z.uuid().optional() });

/** Item fields are only type-checked here: a bad email or name fails its own item, not the batch. */
export const inviteUsersBody = z.strictObject({
  users: z.array(z.strictObject({ email, display_name: z.string().max(1000), role: z.string().max(32).optional() })).min(1).max(500),
  // string first: zod reports a missing enum as a bad option (VAL_002); a missing field is VAL_001.
  source: z.string().pipe(z.enum(['admin', 'sync', 'service'])),
  invited_by: z.uuid().nullable().optional(),
});

export const identityPatchBody = z.strictObject({
  role: z.enum(USER_ROLES).optional(),
  status: z.enum(USER_STATUSES).optional(),
  email: email.optional(),
});
