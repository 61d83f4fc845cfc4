import { AppError } from '@platform/shared/errors';

export const fileErrors = {
  notFound: (id: string) => new AppError('BIZ_001', `File ${id} not found`),
  tooLarge: (max: number) => new AppError('REQ_413', `The file is larger than the ${max} bytes allowed`, { details: [{ field: 'file', issue: 'too_large', max_bytes: max }] }),
  quotaExceeded: (available: number) =>
    new AppError('BIZ_003', 'Storage quota exceeded', { details: [{ field: 'file', issue: 'quota_exceeded', available_bytes: available }] }),
  typeRefused: (reason: string) => new AppError('VAL_002', reason, { status: 415, details: [{ field: 'file', issue: 'content_type' }] }),
  notText: () => new AppError('VAL_002', 'The content is not UTF-8 text', { status: 415, details: [{ field: 'file', issue: 'content_type' }] }),
  versionMismatch: () => new AppError('BIZ_002', 'The file was changed since you read it', { status: 412 }),
  uploadAborted: () => new AppError('VAL_001', 'The upload ended before the file was complete'),
  longerThanDeclared: (size: number) => new AppError('VAL_001', `The upload is longer than the ${size} bytes declared`),
};
