// The state of one request through the gateway, and the three ways it ends: the gateway answers
// itself (own answer), a plugin answered (handled), or the upstream's response is relayed.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from '@platform/shared/logger';
import type { RequestContext, UpstreamResponse } from '../plugins/plugin.ts';
import { collectPlugins, type PluginInstance, type RoutePlan } from '../plugins/runner.ts';
import { msSince, renderOwnAnswer, writeOwn, type OwnAnswer } from './own-answer.ts';

export class Exchange {
  readonly ctx: RequestContext;
  readonly requestId: string;
  readonly plan: RoutePlan;
  readonly logger: Logger;
  active: PluginInstance[] = [];
  sentAt = 0n;
  upstreamLatencyMs: number | null = null;
  proxyLatencyMs: number | null = null;
  requestSize = 0;
  responseSize = 0;
  bodyStarted = false;
  /** The client got the upstream's response (not one the gateway or a plugin made). */
  relayed = false;
  readonly abort: { aborted: boolean; onAbort?: () => void } = { aborted: false };
  #originalWriteHead: ServerResponse['writeHead'] | undefined;

  constructor(ctx: RequestContext, requestId: string, plan: RoutePlan, logger: Logger) {
    this.ctx = ctx;
    this.requestId = requestId;
    this.plan = plan;
    this.logger = logger;
  }

  /** The id the envelope carries: X-Request-ID once correlation-id set it, else Kong's request id. */
  envelopeRequestId(): string {
    const id = this.ctx.upstream.headers['x-request-id'];
    return (Array.isArray(id) ? id[0] : id) ?? this.requestId;
  }

  /**
   * While plugins run their access phase, a plugin that writes the response itself (CORS preflight,
   * request-termination) still gets the other plugins' response headers and header filters.
   */
  interceptPluginAnswers(): void {
    const res = this.ctx.res;
    const original = res.writeHead;
    this.#originalWriteHead = original;
    const exchange: Exchange = this as Exchange;
    res.writeHead = function writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
      exchange.restoreWriteHead();
      exchange.active = collectPlugins(exchange.plan, exchange.ctx.consumer?.id);
      const last = rest[rest.length - 1];
      const given = last && typeof last === 'object' && !Array.isArray(last) ? (last as OutgoingHttpHeaders) : {};
      const headers: OutgoingHttpHeaders = {
        ...res.getHeaders(),
        'x-kong-request-id': exchange.requestId,
        ...lowerKeys(given),
        ...exchange.ctx.responseHeaders,
      };
      const filtered = exchange.filterHeaders(status, headers);
      for (const name of res.getHeaderNames()) if (!(name in filtered.headers)) res.removeHeader(name);
      filtered.headers['x-kong-response-latency'] = String(msSince(exchange.ctx.startedAt));
      const message = typeof rest[0] === 'string' ? rest[0] : undefined;
      return message === undefined
        ? original.call(res, filtered.statusCode, filtered.headers)
        : (original as (s: number, m: string, h: OutgoingHttpHeaders) => ServerResponse).call(res, filtered.statusCode, message, filtered.headers);
    } as ServerResponse['writeHead'];
  }

  restoreWriteHead(): void {
    if (!this.#originalWriteHead) return;
    this.ctx.res.writeHead = this.#originalWriteHead;
    this.#originalWriteHead = undefined;
  }

  /** header_filter of every collected plugin, in priority order. */
  filterHeaders(statusCode: number, headers: OutgoingHttpHeaders): UpstreamResponse {
    const response: UpstreamResponse = { statusCode, headers };
    for (const plugin of this.active) {
      const filter = plugin.handlers.headerFilter;
      if (!filter) continue;
      try {
        filter(this.ctx, response);
      } catch (err) {
        this.logger.error('plugin header_filter failed', { plugin: plugin.name, err, request_id: this.requestId });
      }
    }
    return response;
  }

  /** body_filter of every collected plugin that has one; null when none does. */
  filterBody(body: Buffer, response: UpstreamResponse): Buffer | null {
    let out: Buffer | null = null;
    for (const plugin of this.active) {
      const filter = plugin.handlers.bodyFilter;
      if (!filter) continue;
      try {
        out = filter(this.ctx, out ?? body, response);
      } catch (err) {
        this.logger.error('plugin body_filter failed', { plugin: plugin.name, err, request_id: this.requestId });
      }
    }
    return out;
  }

  hasBodyFilter(): boolean {
    return this.plan.mayFilterBody && this.active.some((p) => p.handlers.bodyFilter);
  }

  /** The gateway's own answer, through the collected plugins' header and body filters. */
  answer(answer: OwnAnswer): void {
    this.restoreWriteHead();
    const { body, headers } = renderOwnAnswer(answer, this.envelopeRequestId(), this.requestId);
    const merged: OutgoingHttpHeaders = { ...headers, ...this.ctx.responseHeaders, ...answer.headers };
    const response = this.filterHeaders(answer.status, merged);
    let payload: Buffer | string = body;
    if (this.hasBodyFilter()) {
      const filtered = this.filterBody(Buffer.from(body), response);
      if (filtered) {
        payload = filtered;
        response.headers['content-length'] = String(filtered.length);
      }
    }
    response.headers['x-kong-response-latency'] = String(msSince(this.ctx.startedAt));
    writeOwn(this.ctx.res, response.statusCode, response.headers, payload, this.ctx.req.method);
  }

  /** Log phase: once, when the client's response is finished or the connection went away. */
  finish(): void {
    const info = {
      status: this.ctx.res.statusCode,
      upstreamLatencyMs: this.upstreamLatencyMs,
      proxyLatencyMs: this.proxyLatencyMs ?? msSince(this.ctx.startedAt),
      requestSize: this.requestSize,
      responseSize: this.responseSize,
      source: this.relayed ? ('service' as const) : ('kong' as const),
    };
    for (const plugin of this.active) {
      const log = plugin.handlers.log;
      if (!log) continue;
      try {
        log(this.ctx, info);
      } catch (err) {
        this.logger.error('plugin log failed', { plugin: plugin.name, err, request_id: this.requestId });
      }
    }
  }
}

function lowerKeys(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
