import { STATUS_BY_CODE, type ErrorCode } from './codes.ts';

export type AppErrorOptions = {
  details?: unknown;
  cause?: unknown;
  status?: number;
  /** Extra response headers, e.g. Retry-After on 429. */
  headers?: Record<string, string>;
};

/** An error whose message is safe to show a client; internal detail goes in `cause`. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly options: AppErrorOptions;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.options = options;
  }

  get status(): number {
    return this.options.status ?? STATUS_BY_CODE[this.code];
  }
}

// Works even if two copies of @platform/shared end up installed (maps by name, not class identity).
export const isAppError = (e: unknown): e is AppError =>
  e instanceof Error && e.name === 'AppError' && typeof (e as AppError).code === 'string';
