// ctx.upstream: what the proxy sends. The query is parsed only if a plugin looks at it, and sent
// exactly as the client wrote it unless a plugin changed it (URLSearchParams would re-encode it).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestContext } from '../plugins/plugin.ts';

// Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the proxy sets itself.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings'];

export class UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** A body a plugin read and rewrote; sent instead of the client's stream. */
  body?: Buffer;
  /** request-size-limiting's limit on a streamed body (RequestContext['upstream']['bodyLimit']). */
  bodyLimit?: RequestContext['upstream']['bodyLimit'];
  #rawQuery: string | null;
  #query: URLSearchParams | undefined;
  #initialQuery: string | undefined;

  constructor(method: string, path: string, rawQuery: string | null, headers: Record<string, string | string[] | undefined>) {
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.#rawQuery = rawQuery;
  }

  get query(): URLSearchParams {
    if (!this.#query) {
      this.#query = new URLSearchParams(this.#rawQuery ?? '');
      this.#initialQuery = this.#query.toString();
    }
    return this.#query;
  }

  set query(value: URLSearchParams) {
    this.#query = value;
    this.#initialQuery ??= new URLSearchParams(this.#rawQuery ?? '').toString();
  }

  /** Path and query as sent upstream. */
  target(): string {
    if (this.#query) {
      const now = this.#query.toString();
      if (now !== this.#initialQuery) return now ? `${this.path}?${now}` : this.path;
    }
    return this.#rawQuery === null ? this.path : `${this.path}?${this.#rawQuery}`;
  }

  /**
   * Headers for node:http, unset values dropped. An object, not node's flat list: the OpenTelemetry
   * http instrumentation injects traceparent into `options.headers` as an object.
   */
  outgoingHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const name in this.headers) {
      const value = this.headers[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
}

// Hop-by-hop headers and the forwarding headers the gateway sets itself are skipped while copying
// (building a fresh object keeps V8's fast properties; `delete` would turn it into a dictionary).
const SKIP_UPSTREAM = new Set([...HOP_BY_HOP, 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path', 'x-forwarded-prefix', 'x-real-ip', 'via']);
const SKIP_DOWNSTREAM = new Set(HOP_BY_HOP);

/** Header names a Connection header lists (they are hop-by-hop too), or null for the usual values. */
function connectionTokens(connection: string | string[] | undefined): Set<string> | null {
  if (!connection || connection === 'keep-alive' || connection === 'close' || Array.isArray(connection)) return null;
  return new Set(connection.split(',').map((t) => t.trim().toLowerCase()));
}

/**
 * The client's headers for the upstream, minus hop-by-hop ones (and those its Connection header
 * names) and minus the forwarding headers, which setForwardingHeaders writes.
 */
export function upstreamHeadersFrom(incoming: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  const extra = connectionTokens(incoming.connection);
  for (const name in incoming) {
    if (SKIP_UPSTREAM.has(name) || (extra && extra.has(name))) continue;
    headers[name] = incoming[name];
  }
  // A chunked body stays chunked upstream; node:http encodes it when it sees this header.
  if (incoming['transfer-encoding']) headers['transfer-encoding'] = 'chunked';
  return headers;
}

/** Whether the client request carries a body to stream upstream. */
export const hasBody = (incoming: IncomingHttpHeaders): boolean =>
  incoming['transfer-encoding'] !== undefined || (incoming['content-length'] !== undefined && incoming['content-length'] !== '0');

/** The upstream's response headers minus hop-by-hop ones. */
export function downstreamHeadersFrom(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const extra = connectionTokens(incoming.connection);
  for (const name in incoming) {
    if (SKIP_DOWNSTREAM.has(name) || (extra && extra.has(name))) continue;
    headers[name] = incoming[name];
  }
  return headers;
}
