import { AppError } from '@platform/shared/errors';

export const syncErrors = {
  connectionNotFound: (id: string) => new AppError('BIZ_001', `Connection ${id} not found`),
  jobNotFound: (id: string) => new AppError('BIZ_001', `Job ${id} not found`),
  nameTaken: () => new AppError('BIZ_002', 'A connection with this name already exists', { details: [{ field: 'name', issue: 'taken' }] }),
  /** A write with an If-Match that is not the current version (412, guide §5). */
  staleVersion: (currentVersion: number) =>
    new AppError('BIZ_002', 'The connection was changed by someone else; fetch it again and retry', {
      status: 412,
      details: { current_version: currentVersion, etag: `"${currentVersion}"` },
    }),
  badIfMatch: () =>
    new AppError('VAL_002', 'If-Match must be an entity tag such as "3"', { details: [{ field: 'if-match', issue: 'invalid_format', message: 'Must be a quoted version' }] }),
  disabled: () => new AppError('BIZ_003', 'The connection is disabled'),
  jobFinished: (status: string) => new AppError('BIZ_002', `The job already ended (${status})`),
  badSchedule: (why: string) => new AppError('VAL_002', 'Invalid schedule', { details: [{ field: 'schedule', issue: 'invalid_cron', message: why }] }),
  badSettings: (details: { field: string; issue: string; message: string }[]) =>
    new AppError('VAL_002', `Invalid settings: ${details[0]?.field ?? 'settings'} ${details[0]?.message ?? ''}`.trim(), { details }),
};
