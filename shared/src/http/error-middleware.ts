import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, isAppError } from '../errors/app-error.ts';
import type { Logger } from '../logger/create-logger.ts';
import { ids } from './request-context.ts';
import { zodToAppError } from './validate.ts';

type BodyParserError = Error & { type?: string; status?: number; expose?: boolean };

/** Everything thrown becomes an AppError: ours as is, zod → VAL_*, body-parser's 400/413, the rest SYS_001. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof z.ZodError) return zodToAppError(err);
  const e = err as BodyParserError;
  if (e?.type === 'entity.too.large') return new AppError('REQ_413', 'Request body is too large', { cause: err });
  if (e?.type === 'entity.parse.failed') return new AppError('VAL_001', 'Request body is not valid JSON', { cause: err });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError('VAL_001', 'Unsupported request body encoding', { cause: err, status: 415 });
  }
  if (e?.status === 415) return new AppError('VAL_001', 'Unsupported content type', { cause: err, status: 415 });
  return new AppError('SYS_001', 'Internal server error', { cause: err });
}

/** The only place errors become HTTP responses. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    const error = toAppError(err);
    if (error.status >= 500) logger.error('request failed', { code: error.code, method: req.method, path: req.path, err: error.options.cause ?? error });
    res.locals.errorCode = error.code;
    if (res.headersSent) return next(err);
    for (const [name, value] of Object.entries(error.options.headers ?? {})) res.setHeader(name, value);
    res.status(error.status).json({
      success: false,
      status_code: error.status,
      data: null,
      error: {
        code: error.code,
        message: error.message,
        ...(error.options.details !== undefined && { details: error.options.details }),
        ...ids(res),
      },
    });
  };
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new AppError('BIZ_001', `No route for ${req.method} ${req.path}`));
}
