// The hot path: route, run the plugins' access phase, proxy. Everything it uses was built at load.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@platform/shared/logger';
import type { Service } from '../declarative/model.ts';
import { GatewayError } from '../plugins/plugin.ts';
import { PluginAccessError, type AccessOutcome, type PluginRunner } from '../plugins/runner.ts';
import { normalizePath } from '../router/normalize-path.ts';
import type { Router } from '../router/router.ts';
import { Exchange } from './exchange.ts';
import { clientOf, requestHost, setForwardingHeaders } from './forwarding.ts';
import { KONG_TEXT } from './kong-texts.ts';
import { msSince, renderOwnAnswer, writeOwn } from './own-answer.ts';
import { proxyToUpstream } from './proxy-upstream.ts';
import { GatewayRequestContext } from './request-context.ts';
import type { TrustedIps } from './trusted-ips.ts';
import { UpstreamRequest, upstreamHeadersFrom } from './upstream-request.ts';
import type { Upstreams } from './upstreams.ts';

export type ProxyDeps = {
  router: Router;
  runner: PluginRunner;
  upstreams: Upstreams;
  trustedIps: TrustedIps;
  logger: Logger;
  /** Answers the gateway gives for a path itself (the public health check), before routing. */
  ownRoutes: Map<string, (req: IncomingMessage, res: ServerResponse, requestId: string) => void>;
};

export type Upgrade = { socket: Socket; head: Buffer };

// Kong's request id: 32 hex characters. Cut from a pool of random bytes refilled 4 KiB at a time
// (one crypto call per 256 requests instead of one each).
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;
function newRequestId(): string {
  if (offset === POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}

export function createRequestHandler(deps: ProxyDeps) {
  const { router, runner, upstreams, trustedIps, logger, ownRoutes } = deps;
  // Host header for each service when preserve_host is off: host, and the port unless it is the scheme's default.
  const hostHeaders = new Map<string, string>();
  for (const { service } of upstreams.all()) hostHeaders.set(service.id, hostHeaderOf(service));

  return function handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void {
    const startedAt = process.hrtime.bigint();
    const requestId = newRequestId();
    // Set on the response object (not only in the header lists written later) so that every header
    // the gateway writes stays readable with res.getHeader() in the log phase (prometheus's source).
    res.setHeader('x-kong-request-id', requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? null : url.slice(q + 1);
    const path = normalizePath(rawPath);
    const method = req.method ?? 'GET';

    const own = ownRoutes.get(path);
    if (own) return own(req, res, requestId);

    const { host, port } = requestHost(req);
    const match = router.match(method, host, port, path);
    if (!match) {
      const { body, headers } = renderOwnAnswer({ status: 404, code: 'BIZ_001', message: KONG_TEXT.noRoute }, requestId);
      headers['x-kong-response-latency'] = String(msSince(startedAt));
      return writeOwn(res, 404, headers, body, method);
    }
    const { route, service } = match;
    const fwd = clientOf(req, trustedIps);

    const headers = upstreamHeadersFrom(req.headers);
    headers.host = route.preserveHost ? req.headers.host : hostHeaders.get(service.id);
    setForwardingHeaders(headers, req, fwd, host, rawPath, route.stripPath ? match.matchedPath : null);
    headers['x-kong-request-id'] = requestId;
    if (upgrade) {
      headers.connection = 'upgrade';
      headers.upgrade = req.headers.upgrade;
    }

    const ctx = new GatewayRequestContext(req, res, route, service, fwd.clientIp, startedAt, new UpstreamRequest(method, match.upstreamPath, rawQuery, headers));
    const plan = runner.planFor(route.id);
    const exchange = new Exchange(ctx, requestId, plan, logger);
    res.once('close', () => {
      if (!res.writableFinished) {
        exchange.abort.aborted = true;
        exchange.abort.onAbort?.();
      }
      exchange.finish();
      logRequest(logger, exchange);
    });

    if (!route.protocols.includes(fwd.proto as 'http')) return refuseProtocol(exchange, host, url);

    if (plan.slots.length === 0) return proxyToUpstream(exchange, upstreams, upgrade);
    if (plan.hasAccess) exchange.interceptPluginAnswers();
    let outcome: AccessOutcome | Promise<AccessOutcome>;
    try {
      outcome = runner.access(ctx, plan);
    } catch (err) {
      return accessFailed(exchange, err);
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (done) => afterAccess(exchange, done, upstreams, upgrade),
        (err: unknown) => accessFailed(exchange, err),
      );
    } else {
      afterAccess(exchange, outcome, upstreams, upgrade);
    }
  };
}

function afterAccess(exchange: Exchange, outcome: AccessOutcome, upstreams: Upstreams, upgrade: Upgrade | undefined): void {
  exchange.active = outcome.active;
  exchange.restoreWriteHead();
  if (outcome.handled) {
    // The plugin wrote the response; an upgrade socket that got a plain answer is done with.
    if (upgrade) exchange.ctx.res.once('finish', () => upgrade.socket.end());
    return;
  }
  if (exchange.abort.aborted) return;
  proxyToUpstream(exchange, upstreams, upgrade);
}

function accessFailed(exchange: Exchange, thrown: unknown): void {
  const err = thrown instanceof PluginAccessError ? thrown.error : thrown;
  if (thrown instanceof PluginAccessError) exchange.active = thrown.active;
  if (err instanceof GatewayError || (err as Error)?.name === 'GatewayError') {
    const e = err as GatewayError;
    return exchange.answer({ status: e.status, code: e.code, message: e.message, headers: e.headers, ...(e.details && { details: e.details }) });
  }
  exchange.logger.error('plugin access failed', { err, route: exchange.ctx.route.name, request_id: exchange.requestId });
  exchange.answer({ status: 500, code: 'SYS_001', message: KONG_TEXT.internal });
}

/** A route without the request's protocol (https-only behind a plain-http hop): Kong's 426 or redirect. */
function refuseProtocol(exchange: Exchange, host: string, url: string): void {
  const status = exchange.ctx.route.httpsRedirectStatusCode;
  if (status === 426) {
    return exchange.answer({ status, code: 'VAL_001', message: KONG_TEXT.useHttps, headers: { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' } });
  }
  exchange.ctx.res.writeHead(status, { location: `https://${host}${url}`, 'content-length': '0', 'x-kong-request-id': exchange.requestId });
  exchange.ctx.res.end();
}

function hostHeaderOf(service: Service): string {
  const defaultPort = service.protocol === 'https' ? 443 : 80;
  const host = service.host.includes(':') ? `[${service.host}]` : service.host;
  return service.port === defaultPort ? host : `${host}:${service.port}`;
}

function logRequest(logger: Logger, exchange: Exchange): void {
  const status = exchange.ctx.res.statusCode;
  const level = status >= 500 ? 'warn' : 'http';
  if (!logger.isLevelEnabled(level)) return;
  logger.log(level, 'request', {
    method: exchange.ctx.req.method,
    route: exchange.ctx.route.name,
    service: exchange.ctx.service.name,
    status,
    duration_ms: msSince(exchange.ctx.startedAt),
    upstream_latency_ms: exchange.upstreamLatencyMs,
    request_id: exchange.envelopeRequestId(),
    kong_request_id: exchange.requestId,
    client_ip: exchange.ctx.clientIp,
  });
}
