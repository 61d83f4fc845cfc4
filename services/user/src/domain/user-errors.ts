import { AppError } from '@platform/shared/errors';

/** The service's error catalogue; messages are safe to show a client. */
export const userErrors = {
  notFound: (id: string) => new AppError('BIZ_001', `User ${id} not found`),
  notYours: () => new AppError('AUTH_003', 'You can only change your own profile'),
  usersOnly: () => new AppError('AUTH_003', 'Only user accounts can do this'),
  banned: () => new AppError('AUTH_003', 'This account has been banned'),
  deleted: (id: string) => new AppError('BIZ_002', `User ${id} has been deleted`),
  emailTaken: () =>
    new AppError('BIZ_002', 'Email is already registered', { details: [{ field: 'email', issue: 'taken', message: 'Is already registered' }] }),
  roleChangeForbidden: () => new AppError('AUTH_003', 'You cannot raise your own role'),
  statusChangeForbidden: () => new AppError('AUTH_003', 'You cannot change your own status'),
  lastAdmin: () => new AppError('BIZ_003', 'At least one admin must remain'),
  nothingToChange: () => new AppError('VAL_001', 'The request changes nothing', { details: [{ field: 'body', issue: 'empty', message: 'Send at least one field' }] }),
  /** A write with an If-Match that is not the current version (412, guide §5). */
  staleVersion: (currentVersion: number) =>
    new AppError('BIZ_002', 'The user was changed by someone else; fetch it again and retry', {
      status: 412,
      details: { current_version: currentVersion, etag: `"${currentVersion}"` },
    }),
  badIfMatch: () =>
    new AppError('VAL_002', 'If-Match must be an entity tag such as "3"', { details: [{ field: 'if-match', issue: 'invalid_format', message: 'Must be a quoted version' }] }),
};
