// The contract between the gateway's core (router, proxy, plugin runner) and each plugin.
// Plugins mirror Kong's: a name, Kong's priority, a config schema with Kong's field names and
// defaults, and handlers for Kong's phases (access, header_filter, body_filter, log).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '@platform/shared/logger';
import type { Registry } from 'prom-client';
import type { Consumer, ConsumerIndex, PluginConfig, Route, Service } from '../declarative/model.ts';

/** Per-request state shared by the plugins (Kong's ngx.ctx + kong.client/kong.service.request). */
export type RequestContext = {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: Route;
  readonly service: Service;
  /** Client address after trusted_ips processing (X-Forwarded-For is honoured only from trusted proxies). */
  readonly clientIp: string;
  /** Monotonic start, for latency headers and the log phase. */
  readonly startedAt: bigint;
  /** Set by an auth plugin (jwt, key-auth) or to the anonymous consumer. */
  consumer?: Consumer;
  credential?: { id: string; key?: string; kind: 'jwt' | 'key-auth' };
  /** True when an auth plugin let the request through as its `anonymous` consumer. */
  anonymous?: boolean;
  /** What goes upstream; request plugins edit these, the proxy sends them. */
  upstream: {
    method: string;
    /** Path after strip_path and the service path, without the query. */
    path: string;
    query: URLSearchParams;
    headers: Record<string, string | string[] | undefined>;
    /**
     * Set by a plugin that had to read the client's whole body (request-transformer's body rules):
     * the proxy sends these bytes instead of streaming the client's body (the plugin already set
     * content-length to match and removed transfer-encoding). Unset: the body streams untouched.
     */
    body?: Buffer;
    /**
     * Set by request-size-limiting when the body has no Content-Length (chunked): the proxy counts
     * the client's body bytes as they stream and, once more than `bytes` arrived, stops sending it,
     * aborts the upstream request and answers `error` (413 "Request size limit exceeded").
     */
    bodyLimit?: { bytes: number; error: GatewayError };
  };
  /** Headers added to the client's response whatever the upstream answers (rate-limit, CORS, …). */
  responseHeaders: Record<string, string | string[]>;
  /** Scratch space between a plugin's phases, keyed by plugin name. */
  readonly shared: Map<string, unknown>;
};

/** An answer from the gateway itself: rendered as the platform's error envelope with Kong's message. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  /** Platform code (AUTH_001, RATE_429, REQ_413, EXT_002, …). */
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Goes to error.details: e.g. Kong's per-claim jwt errors ({ exp: 'token expired' }). */
  readonly details?: Record<string, unknown>;
  constructor(
    status: number,
    message: string,
    { code, headers = {}, details }: { code: string; headers?: Record<string, string>; details?: Record<string, unknown> },
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    if (details) this.details = details;
  }
}

export type UpstreamResponse = { statusCode: number; headers: OutgoingHttpHeaders };

export type PluginHandlers = {
  /**
   * Before proxying, in priority order (highest first). Throw GatewayError to answer at once.
   * Return 'handled' when the plugin wrote the whole response itself (request-termination, CORS preflight).
   */
  access?(ctx: RequestContext): void | 'handled' | Promise<void | 'handled'>;
  /** On the upstream's status and headers before they reach the client. */
  headerFilter?(ctx: RequestContext, upstream: UpstreamResponse): void;
  /**
   * Present only on plugins that must see the whole body (response-transformer): the proxy buffers
   * that route's responses (up to a limit) and streams every other route untouched.
   */
  bodyFilter?(ctx: RequestContext, body: Buffer, upstream: UpstreamResponse): Buffer;
  /** After the response finished or failed (prometheus). */
  log?(
    ctx: RequestContext,
    info: {
      status: number;
      upstreamLatencyMs: number | null;
      proxyLatencyMs: number;
      requestSize: number;
      responseSize: number;
      /** Kong's kong.response.get_source(): 'service' when the upstream's response was relayed, else 'kong'. */
      source?: 'service' | 'kong';
    },
  ): void;
};

/** What a plugin may use besides its config. */
export type PluginEnv = {
  logger: Logger;
  /** Present when the gateway was given REDIS_URL (rate-limiting policy redis). */
  redis?: Redis;
  consumers: ConsumerIndex;
  metrics: Registry;
};

export type PluginDefinition<S extends z.ZodType = z.ZodType> = {
  /** Kong's plugin name, e.g. 'rate-limiting'. */
  name: string;
  /** Kong 3.10's priority: higher runs first in access. */
  priority: number;
  /**
   * Kong's config fields with Kong's defaults, `.strict()` so a field this gateway does not implement
   * stops the start instead of being silently ignored.
   */
  schema: S;
  /**
   * Called once per plugin entry of kong.yml. `plugin` is that entry (its id and scope: Kong's
   * conf.service_id / conf.route_id / conf.consumer_id), e.g. rate-limiting keys its counters by the
   * scope the way Kong does, so a service-wide limit is shared by the service's routes.
   */
  create(config: z.infer<S>, env: PluginEnv, plugin: PluginConfig): PluginHandlers;
};
