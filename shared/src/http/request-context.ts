import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { trace } from '@opentelemetry/api';
import { requestStore } from '../logger/request-store.ts';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes X-Request-ID from the caller (the gateway's correlation-id) or makes one, echoes it, and scopes it to the request. */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    requestStore.run({ requestId }, next);
  };
}

/** The ids every envelope carries. */
export function ids(res: Response): { timestamp: string; request_id: string | undefined; trace_id: string | undefined } {
  const span = trace.getActiveSpan()?.spanContext();
  return {
    timestamp: new Date().toISOString(),
    request_id: res.locals.requestId as string | undefined,
    trace_id: span && trace.isSpanContextValid(span) ? span.traceId : undefined,
  };
}
