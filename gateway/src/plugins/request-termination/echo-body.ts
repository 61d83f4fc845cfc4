// The JSON Kong's request-termination sends with `echo: true` (kong/plugins/request-termination/
// handler.lua): the request as Kong saw it, the node, and the matched route and service as entities.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { TLSSocket } from 'node:tls';
import type { Route, Service } from '../../declarative/model.ts';
import { normalizePath } from '../../router/normalize-path.ts';
import type { RequestContext } from '../plugin.ts';

/** Kong reads bodies up to client_body_buffer_size (8k) into memory; a larger one is not echoed. */
const BODY_BUFFER_SIZE = 8 * 1024;

const nodeId = randomUUID();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

const decode = (value: string) => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

/** ngx.decode_args as kong.request.get_query returns it: repeated keys → arrays, bare keys → true. */
export function decodeArgs(raw: string): Record<string, Json> {
  const args: Record<string, Json> = {};
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value: Json = eq === -1 ? true : decode(part.slice(eq + 1));
    const seen = args[key];
    args[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return args;
}

/** kong.request.get_headers: lower-case names, repeated headers as arrays. */
function requestHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}

/** The body if it fits Kong's buffer, else undefined (Kong's get_raw_body gives nil then). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end either way: leaving the loop early would destroy the request, and its socket.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= BODY_BUFFER_SIZE) chunks.push(chunk);
  }
  return size <= BODY_BUFFER_SIZE ? Buffer.concat(chunks) : undefined;
}

/** kong.request.get_body: JSON and form bodies parsed, other types not. */
function parseBody(raw: Buffer | undefined, contentType: string | undefined): Json | undefined {
  if (!raw || !contentType) return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return decodeArgs(raw.toString('utf8'));
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as Json;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const routeEntity = (route: Route) => ({
  id: route.id,
  name: route.name,
  paths: [...route.prefixPaths, ...route.regexPaths.map((re) => `~${re.source}`)],
  methods: route.methods,
  hosts: route.hosts,
  protocols: route.protocols,
  strip_path: route.stripPath,
  preserve_host: route.preserveHost,
  regex_priority: route.regexPriority,
  path_handling: route.pathHandling,
  https_redirect_status_code: route.httpsRedirectStatusCode,
  request_buffering: route.requestBuffering,
  response_buffering: route.responseBuffering,
  service: { id: route.serviceId },
});

const serviceEntity = (service: Service) => ({
  id: service.id,
  name: service.name,
  protocol: service.protocol,
  host: service.host,
  port: service.port,
  path: service.path,
  retries: service.retries,
  connect_timeout: service.connectTimeoutMs,
  read_timeout: service.readTimeoutMs,
  write_timeout: service.writeTimeoutMs,
});

export async function echoBody(ctx: RequestContext, message: string | undefined): Promise<string> {
  const req = ctx.req;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const raw = await readBody(req);
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  return JSON.stringify({
    message,
    kong: { node_id: nodeId, worker_pid: process.pid, hostname: hostname() },
    request: {
      scheme: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      host,
      port: req.socket.localPort,
      headers: requestHeaders(req),
      query: query === -1 ? {} : decodeArgs(url.slice(query + 1)),
      body: parseBody(raw, req.headers['content-type']),
      raw_body: raw?.toString('utf8'),
      method: req.method,
      path: normalizePath(query === -1 ? url : url.slice(0, query)),
      // cjson writes Lua's empty tables as objects.
      uri_captures: { named: {}, unnamed: {} },
    },
    matched_route: routeEntity(ctx.route),
    matched_service: serviceEntity(ctx.service),
  });
}
