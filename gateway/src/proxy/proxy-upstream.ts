// Sends the request upstream through the service's breaker, retrying only what is safe to retry,
// and relays the response as a stream (buffered only when a plugin has a body filter).
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayError } from '../plugins/plugin.ts';
import type { Exchange } from './exchange.ts';
import type { Upgrade } from './handle-request.ts';
import { KONG_TEXT, VIA } from './kong-texts.ts';
import { msSince } from './own-answer.ts';
import { attemptUpstream, retryable, UpstreamFailure, type AttemptResult, type AttemptSpec } from './send-upstream.ts';
import { downstreamHeadersFrom, hasBody, type UpstreamRequest } from './upstream-request.ts';
import type { Upstreams } from './upstreams.ts';

/** Responses of routes with a body filter are buffered up to this size; beyond it they stream unfiltered. */
const BODY_FILTER_LIMIT = 8 * 1024 * 1024;

export function proxyToUpstream(exchange: Exchange, upstreams: Upstreams, upgrade: Upgrade | undefined): void {
  const { ctx } = exchange;
  const upstream = upstreams.get(ctx.service.id);
  const request = ctx.upstream as UpstreamRequest;
  const method = request.method;
  // request-size-limiting on a body without Content-Length: counted as it streams. A body a plugin
  // already read (request.body) is not the client's stream and is sent as it is.
  const limit = request.bodyLimit;
  const spec: AttemptSpec = {
    upstream,
    method,
    path: request.target(),
    headers: request.outgoingHeaders(),
    body: request.body ?? (hasBody(ctx.req.headers) ? ctx.req : undefined),
    onBodyStart: () => {
      exchange.bodyStarted = true;
    },
    onBodyBytes: (n: number) => {
      exchange.requestSize += n;
    },
    abortSignal: exchange.abort,
    upgrade: upgrade !== undefined,
    // Always present (undefined without a limit) so every spec has the same shape.
    bodyLimit: limit?.bytes,
    onBodyLimit: limit && (() => bodyLimitExceeded(exchange, limit.error)),
  };
  exchange.sentAt = process.hrtime.bigint();
  exchange.proxyLatencyMs = msSince(ctx.startedAt);
  let tries = 0;

  const attempt = (): void => {
    tries += 1;
    upstream.fire(() => attemptUpstream(spec)).then(
      (result) => relay(exchange, result, upgrade),
      (err: unknown) => {
        if ((err as { code?: string })?.code === 'EOPENBREAKER') {
          return exchange.answer({ status: 503, code: 'EXT_002', message: KONG_TEXT.unavailable });
        }
        if (!(err instanceof UpstreamFailure)) {
          exchange.logger.error('proxy failed', { err, service: ctx.service.name, request_id: exchange.requestId });
          return exchange.answer({ status: 502, code: 'EXT_003', message: KONG_TEXT.badGateway });
        }
        // body_limit: already answered by bodyLimitExceeded, and never retried.
        if (err.kind === 'client_abort' || err.kind === 'body_limit') return;
        if (tries <= ctx.service.retries && retryable(err, method, exchange.bodyStarted)) return attempt();
        exchange.logger.warn('upstream failed', {
          service: ctx.service.name, kind: err.kind, tries, request_id: exchange.requestId, err: err.cause ?? err,
        });
        exchange.upstreamLatencyMs = msSince(exchange.sentAt);
        const timedOut = err.kind === 'timeout' || err.kind === 'connect_timeout';
        exchange.answer(timedOut
          ? { status: 504, code: 'EXT_001', message: KONG_TEXT.timeout }
          : { status: 502, code: 'EXT_003', message: KONG_TEXT.badGateway });
      },
    );
  };
  attempt();
}

/**
 * The client's streamed body passed request-size-limiting's limit; the upstream attempt is already
 * destroyed. Before any response started, the plugin's 413 rendered as every own answer, closing the
 * connection (the rest of the body is never read). Once the upstream's response is being relayed
 * (or buffered for a body filter, whose relay cuts the client off when the upstream response is
 * destroyed), only cutting the connection is left.
 */
function bodyLimitExceeded(exchange: Exchange, error: GatewayError): void {
  const { req, res } = exchange.ctx;
  if (exchange.relayed || res.headersSent) return void req.socket.destroy();
  exchange.answer({
    status: error.status,
    code: error.code,
    message: error.message,
    headers: { ...error.headers, connection: 'close' },
    ...(error.details && { details: error.details }),
  });
}

function relay(exchange: Exchange, result: AttemptResult, upgrade: Upgrade | undefined): void {
  const { ctx } = exchange;
  const upRes = result.response;
  exchange.upstreamLatencyMs = msSince(exchange.sentAt);
  if (exchange.abort.aborted) return void upRes.destroy();
  exchange.relayed = true;

  const headers = downstreamHeadersFrom(upRes.headers);
  Object.assign(headers, ctx.responseHeaders);
  const response = exchange.filterHeaders(upRes.statusCode ?? 502, headers);
  const out = response.headers;
  const via = upRes.headers.via;
  out.via = via ? `${via}, ${VIA}` : VIA;
  out['x-kong-request-id'] = exchange.requestId;
  out['x-kong-upstream-latency'] = String(exchange.upstreamLatencyMs);
  out['x-kong-proxy-latency'] = String(exchange.proxyLatencyMs ?? 0);

  if (result.kind === 'upgrade' && upgrade) return tunnel(exchange, result.socket, result.head, upgrade, response.statusCode, out);
  if (upgrade) ctx.res.shouldKeepAlive = false;

  const res = ctx.res;
  const cutOff = () => {
    if (!upRes.complete) res.destroy();
  };
  upRes.once('close', cutOff);
  res.once('close', () => {
    if (!res.writableFinished) upRes.destroy();
  });

  if (exchange.hasBodyFilter()) return bufferAndFilter(exchange, upRes, response.statusCode, out);

  res.writeHead(response.statusCode, out);
  upRes.on('data', (chunk: Buffer) => {
    exchange.responseSize += chunk.length;
    if (!res.write(chunk)) upRes.pause();
  });
  res.on('drain', () => upRes.resume());
  upRes.once('end', () => res.end());
}

function bufferAndFilter(exchange: Exchange, upRes: IncomingMessage, status: number, headers: OutgoingHttpHeaders): void {
  const res = exchange.ctx.res;
  const chunks: Buffer[] = [];
  let size = 0;
  let streaming = false;
  upRes.on('data', (chunk: Buffer) => {
    exchange.responseSize += chunk.length;
    if (streaming) {
      if (!res.write(chunk)) upRes.pause();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
    if (size <= BODY_FILTER_LIMIT) return;
    // Too big to hold: relay it unfiltered rather than buffer without bound.
    exchange.logger.warn('response too large for body filters; streamed unfiltered', { route: exchange.ctx.route.name, limit: BODY_FILTER_LIMIT });
    streaming = true;
    delete headers['content-length'];
    res.writeHead(status, headers);
    for (const c of chunks) res.write(c);
    chunks.length = 0;
  });
  res.on('drain', () => upRes.resume());
  upRes.once('end', () => {
    if (streaming) return void res.end();
    const body = Buffer.concat(chunks, size);
    const filtered = exchange.filterBody(body, { statusCode: status, headers }) ?? body;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(filtered.length);
    res.writeHead(status, headers);
    res.end(filtered);
  });
}

/** WebSocket (or any Upgrade): the upstream's 101 goes to the client, then bytes flow both ways untouched. */
function tunnel(exchange: Exchange, upSocket: Socket, upHead: Buffer, upgrade: Upgrade, status: number, headers: OutgoingHttpHeaders): void {
  const client = upgrade.socket;
  exchange.ctx.res.detachSocket(client);
  exchange.ctx.res.statusCode = status;
  let head = `HTTP/1.1 ${status} Switching Protocols\r\n`;
  const all = { ...exchange.ctx.res.getHeaders(), ...headers, connection: 'Upgrade', upgrade: exchange.ctx.req.headers.upgrade };
  for (const [name, value] of Object.entries(all)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  client.write(`${head}\r\n`);
  if (upHead.length) client.write(upHead);
  if (upgrade.head.length) upSocket.write(upgrade.head);
  const close = () => {
    client.destroy();
    upSocket.destroy();
    exchange.ctx.res.emit('close');
  };
  upSocket.once('close', close);
  client.once('close', close);
  upSocket.on('error', close);
  client.on('error', close);
  upSocket.pipe(client);
  client.pipe(upSocket);
}
