import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { withTraceContext } from '@platform/shared/telemetry';
import { WebhookTargetError } from '../domain/webhook-errors.ts';
import type { SignedRequest, WebhookSender } from '../usecases/webhooks/ports.ts';
import type { UrlGuard } from './url-guard.ts';

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs signed deliveries with node:http(s): the SSRF guard checks the URL and again every address
 * the connection resolves (DNS rebinding), redirects are never followed (a 3xx is a failure), the
 * whole exchange has a deadline, and at most 64 KiB of the answer is read. The request runs in the
 * event's trace, so an instrumented client continues it in the traceparent it sends.
 */
export function createHttpWebhookSender({ guard, maxSockets = 64 }: { guard: UrlGuard; maxSockets?: number }): WebhookSender & { close(): void } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets, lookup: guard.connectLookup } as ConstructorParameters<typeof HttpAgent>[0]),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets, lookup: guard.connectLookup } as ConstructorParameters<typeof HttpsAgent>[0]),
  };

  function post(req: SignedRequest): Promise<{ ok: boolean; statusCode: number | null; error: string | null }> {
    return new Promise((resolve) => {
      const url = new URL(req.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let settled = false;
      const finish = (r: { ok: boolean; statusCode: number | null; error: string | null }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const outgoing = send(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: guard.connectLookup,
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = () => {
          const ok = status >= 200 && status < 300;
          const error = ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`;
          finish({ ok, statusCode: status, error });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`timed out after ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      outgoing.on('error', (err: NodeJS.ErrnoException) => {
        const message = err instanceof WebhookTargetError || err.code === 'EWEBHOOKTARGET'
          ? `refused: ${err.message}`
          : err.message.startsWith('timed out') ? err.message : `${err.code ?? 'error'}: ${err.message}`;
        finish({ ok: false, statusCode: null, error: message });
      });
      outgoing.end(req.body);
    });
  }

  return {
    async send(req) {
      try {
        await guard.check(req.url);
      } catch (err) {
        if (err instanceof WebhookTargetError) return { ok: false, statusCode: null, error: `refused: ${err.message}` };
        throw err;
      }
      return req.traceparent ? withTraceContext({ traceparent: req.traceparent }, () => post(req)) : post(req);
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
