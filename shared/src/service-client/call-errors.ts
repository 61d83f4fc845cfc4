import { AppError, isAppError } from '../errors/app-error.ts';
import { STATUS_BY_CODE, type ErrorCode } from '../errors/codes.ts';

// Errors that a retry of an idempotent call may cure: timeouts, refused/reset connections, 502/503/504.
const retryable = new WeakSet<AppError>();

export const isRetryable = (err: unknown): boolean => isAppError(err) && retryable.has(err);

function markRetryable(err: AppError): AppError {
  retryable.add(err);
  return err;
}

export const timeoutError = (target: string, timeoutMs: number, cause?: unknown): AppError =>
  markRetryable(new AppError('EXT_001', `The ${target} service did not answer in time`, {
    cause: cause ?? new Error(`${target}: no answer within ${timeoutMs} ms`),
  }));

export const unavailableError = (target: string, cause?: unknown): AppError =>
  markRetryable(new AppError('EXT_002', `The ${target} service is unavailable`, { cause }));

/** The breaker is open: fail fast without touching the network (not retried: the breaker would refuse again). */
export const circuitOpenError = (target: string, cause?: unknown): AppError =>
  new AppError('EXT_002', `The ${target} service is unavailable`, { cause });

export const badAnswerError = (target: string, why: string): AppError =>
  new AppError('EXT_003', `The ${target} service returned an invalid response`, { cause: new Error(`${target}: ${why}`) });

/** A network-level failure of fetch (undici): the timeout signal fired, or the target could not be reached. */
export function fromFetchError(target: string, err: unknown, timeoutMs: number): AppError {
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return timeoutError(target, timeoutMs, err);
  return unavailableError(target, err);
}

type ErrorBody = { error?: { code?: unknown; message?: unknown; details?: unknown } };

// Used when a target answered 4xx without our envelope (a proxy, a misrouted call).
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VAL_001', 401: 'AUTH_001', 403: 'AUTH_003', 404: 'BIZ_001', 409: 'BIZ_002',
  413: 'REQ_413', 422: 'VAL_002', 429: 'RATE_429',
};

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(STATUS_BY_CODE, code);

/**
 * Turns a non-2xx answer into an AppError: a 4xx keeps the target's code, message and status so the
 * caller can react to it (404, 409 …); a 5xx becomes EXT_003 with the target's answer kept in `cause`.
 */
export function fromErrorAnswer(target: string, status: number, body: unknown, retryAfter: string | null): AppError {
  const error = (body as ErrorBody | undefined)?.error;
  if (status >= 500) {
    const detail = `${target}: answered ${status}${isErrorCode(error?.code) ? ` ${error.code}` : ''}${typeof error?.message === 'string' ? `: ${error.message}` : ''}`;
    const err = new AppError('EXT_003', `The ${target} service failed`, { cause: new Error(detail) });
    return status === 502 || status === 503 || status === 504 ? markRetryable(err) : err;
  }
  const code = isErrorCode(error?.code) ? error.code : (CODE_BY_STATUS[status] ?? 'VAL_001');
  const message = typeof error?.message === 'string' ? error.message : `The ${target} service refused the request (${status})`;
  return new AppError(code, message, {
    status,
    ...(error?.details !== undefined && { details: error.details }),
    ...(status === 429 && retryAfter && { headers: { 'retry-after': retryAfter } }),
  });
}
