export { STATUS_BY_CODE, type ErrorCode } from './codes.ts';
export { AppError, isAppError, type AppErrorOptions } from './app-error.ts';
export { fromPgError } from './pg-errors.ts';
