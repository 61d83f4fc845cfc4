// Answers the gateway gives itself (no route, plugin errors, upstream failures): the platform's
// error envelope (guide §5) with Kong's message, and the headers Kong puts on its own responses.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { currentTraceId } from '@platform/shared/telemetry';
import { SERVER_TOKEN } from './kong-texts.ts';

export type OwnAnswer = {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string | string[]>;
  details?: Record<string, unknown>;
};

export const msSince = (start: bigint): number => Number((process.hrtime.bigint() - start) / 1_000_000n);

/** The JSON body and headers of an own answer; the caller may still filter the headers. */
export function renderOwnAnswer(answer: OwnAnswer, requestId: string, kongRequestId = requestId): { body: string; headers: OutgoingHttpHeaders } {
  const body = JSON.stringify({
    success: false,
    status_code: answer.status,
    data: null,
    error: {
      code: answer.code,
      message: answer.message,
      ...(answer.details !== undefined && { details: answer.details }),
      timestamp: new Date().toISOString(),
      request_id: requestId,
      trace_id: currentTraceId(),
    },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      server: SERVER_TOKEN,
      'x-kong-request-id': kongRequestId,
      ...answer.headers,
    },
  };
}

export function writeOwn(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string | Buffer, method: string | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}
