import { AppError } from '@platform/shared/errors';
import type { OneTimeTokenState } from './one-time-token.ts';
import type { FieldIssue } from './field-issue.ts';

/** What a single-use link is for, in the words its errors use. */
export type LinkKind = 'password_reset' | 'email_verification';

const LINK_NAMES: Record<LinkKind, string> = {
  password_reset: 'Password reset token',
  email_verification: 'Email verification token',
};

/**
 * Errors of the account flows (password reset/change, email verification, identities). Token errors
 * name the exact reason, so a user who clicks an old link knows whether to ask for a new one.
 */
export const accountErrors = {
  unknownLink: (kind: LinkKind) =>
    new AppError('AUTH_001', `${LINK_NAMES[kind]} is invalid`, { details: [{ field: 'token', issue: 'invalid', message: 'Is not a valid token' }] }),
  unusableLink: (kind: LinkKind, state: Exclude<OneTimeTokenState, 'usable'>) => {
    const name = LINK_NAMES[kind];
    if (state === 'expired') {
      return new AppError('AUTH_002', `${name} has expired; request a new one`, { details: [{ field: 'token', issue: 'expired', message: 'Has expired' }] });
    }
    const message = state === 'used' ? `${name} has already been used` : `${name} was replaced by a newer one; use the latest link`;
    return new AppError('AUTH_001', message, { details: [{ field: 'token', issue: state, message: state === 'used' ? 'Was already used' : 'Was replaced by a newer token' }] });
  },
  emailAlreadyVerified: () =>
    new AppError('BIZ_002', 'Email address is already verified', { details: [{ field: 'email', issue: 'already_verified', message: 'Is already verified' }] }),
  wrongCurrentPassword: () =>
    new AppError('AUTH_001', 'Current password is incorrect', {
      details: [{ field: 'current_password', issue: 'incorrect', message: 'Is incorrect' }],
    }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError('RATE_429', 'Too many requests for this email address; try again later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: { retry_after_s: retryAfterSeconds },
    }),
  userNotFound: (id: string) => new AppError('BIZ_001', `User ${id} not found`),
  lastAdmin: () =>
    new AppError('BIZ_003', 'At least one active admin must remain', { details: [{ field: 'role', issue: 'last_admin', message: 'Is the last active admin' }] }),
  nothingToChange: () =>
    new AppError('VAL_001', 'Invalid body: send at least one of role, status, email', {
      details: [{ field: 'body', issue: 'required', message: 'At least one of role, status, email is required' }],
    }),
  invalidRange: (issue: FieldIssue) => new AppError('VAL_003', `Invalid query: ${issue.field} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`, { details: [issue] }),
};
