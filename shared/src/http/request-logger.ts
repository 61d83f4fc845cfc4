import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger/create-logger.ts';
import { httpErrorsTotal, httpRequestDuration, httpRequestsTotal } from './metrics.ts';

// The matched route pattern keeps metric labels bounded (ids stay out of them).
const routeOf = (req: Request): string => (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched');

/** One log line and one metric sample per request, level by status. */
export function requestLogger(logger: Logger, { skip = /\/api\/v1\/(health|live|ready|metrics)$/ } = {}): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeOf(req);
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequestDuration.observe(labels, seconds);
      httpRequestsTotal.inc(labels);
      if (res.locals.errorCode) httpErrorsTotal.inc({ code: String(res.locals.errorCode) });
      if (skip.test(req.path)) return;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      logger.log(level, 'request', {
        method: req.method, route, status: res.statusCode, duration_ms: Math.round(seconds * 1e5) / 100,
        ...(res.locals.errorCode && { code: res.locals.errorCode }),
      });
    });
    next();
  };
}
