// Kong's get_identifier (rate-limiting/handler.lua): what a counter is keyed by. Whatever is
// missing (no consumer, no credential, no header, another path) falls back to the client IP.
import type { IncomingMessage } from 'node:http';
import { normalizePath } from '../../router/normalize-path.ts';
import type { RequestContext } from '../plugin.ts';
import type { RateLimitingConfig } from './config-schema.ts';

export type Identify = (ctx: RequestContext) => string;

/** kong.request.get_header: the first value when the header is repeated (Node joins them with ", "). */
function firstHeaderValue(req: IncomingMessage, lowerName: string): string | undefined {
  const value = req.headers[lowerName];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value[0];
  if (!value.includes(',')) return value;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === lowerName) return raw[i + 1];
  }
  return value;
}

/** kong.request.get_path(): the normalized request path, without the query. */
function requestPath(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return normalizePath(query === -1 ? url : url.slice(0, query));
}

export function createIdentify(config: RateLimitingConfig): Identify {
  switch (config.limit_by) {
    case 'consumer':
      return (ctx) => ctx.consumer?.id ?? ctx.credential?.id ?? ctx.clientIp;
    case 'credential':
      return (ctx) => ctx.credential?.id ?? ctx.clientIp;
    case 'service':
      return (ctx) => ctx.service.id;
    case 'header': {
      const name = (config.header_name ?? '').toLowerCase();
      // An empty header value still identifies (it is truthy in Kong's Lua).
      return (ctx) => firstHeaderValue(ctx.req, name) ?? ctx.clientIp;
    }
    case 'path': {
      const path = config.path;
      return (ctx) => (requestPath(ctx.req.url) === path ? path : ctx.clientIp);
    }
    default:
      return (ctx) => ctx.clientIp;
  }
}
