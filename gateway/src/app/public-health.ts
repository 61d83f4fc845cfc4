import type { IncomingMessage, ServerResponse } from 'node:http';
import { currentTraceId } from '@platform/shared/telemetry';
import { KONG_TEXT } from '../proxy/kong-texts.ts';
import { renderOwnAnswer, writeOwn } from '../proxy/own-answer.ts';

export const PUBLIC_HEALTH_PATH = '/KONGAPI/api/v1/public/health';

/** GET /KONGAPI/api/v1/public/health: the gateway itself answers (clients check the front door, not a service). */
export function publicHealthRoute(): [string, (req: IncomingMessage, res: ServerResponse, requestId: string) => void] {
  return [
    PUBLIC_HEALTH_PATH,
    (req, res, requestId) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const { body, headers } = renderOwnAnswer({ status: 404, code: 'BIZ_001', message: KONG_TEXT.noRoute }, requestId);
        return writeOwn(res, 404, headers, body, req.method);
      }
      const body = JSON.stringify({
        success: true,
        status_code: 200,
        data: { status: 'ok', service: 'gateway', uptime_s: Math.round(process.uptime()) },
        meta: { timestamp: new Date().toISOString(), request_id: requestId, trace_id: currentTraceId() },
      });
      writeOwn(res, 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', 'x-kong-request-id': requestId }, body, req.method);
    },
  ];
}
