import { trace } from '@opentelemetry/api';
import winston, { format } from 'winston';
import { redactValue, SECRET_KEY } from './redact.ts';
import { currentRequestId } from './request-store.ts';

export type Logger = winston.Logger;

const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');
const SPLAT = Symbol.for('splat');

// trace_id/span_id from the active span, request_id from the request's AsyncLocalStorage.
const withIds = format((info) => {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    info.trace_id ??= span.traceId;
    info.span_id ??= span.spanId;
  }
  const requestId = currentRequestId();
  if (requestId) info.request_id ??= requestId;
  return info;
});

const redact = format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message' || key === 'timestamp') continue;
    info[key] = SECRET_KEY.test(key) ? '[REDACTED]' : redactValue(info[key]);
  }
  return info;
});

// Errors passed as fields ({ err }) become plain objects with their code and stack, not "{}".
const serializeErrors = format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown; cause?: unknown };
      info[key] = { name: e.name, message: e.message, code: e.code, stack: e.stack,
        cause: e.cause instanceof Error ? { name: e.cause.name, message: e.cause.message, code: (e.cause as { code?: unknown }).code } : undefined };
    }
  }
  return info;
});

export function createLogger({ service, level = 'info', silent }: { service: string; level?: string; silent?: boolean }): Logger {
  return winston.createLogger({
    level,
    silent: silent ?? false,
    defaultMeta: { service },
    format: format.combine(withIds(), serializeErrors(), redact(), format.timestamp(), format.json()),
    transports: [new winston.transports.Console()],
  });
}

// Exported for tests that assert on what a line would contain.
export const logSymbols = { LEVEL, MESSAGE, SPLAT };
