// Kong's request-termination plugin (3.10, priority 2: after auth and rate limits). Answers every
// request in its scope itself, or only those carrying the `trigger` header or query argument:
// - echo: Kong's debugging JSON of the request (echo-body.ts);
// - body (+ content_type): that body as is;
// - otherwise a message (config.message, else Kong's default text for the status) in the
//   platform's error envelope, or an empty body when the status has no default text.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { GatewayError, type PluginDefinition, type RequestContext } from './plugin.ts';
import { decodeArgs, echoBody } from './request-termination/echo-body.ts';

// Kong's DEFAULT_RESPONSE table.
const DEFAULT_MESSAGE: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

// The platform's code for a status (guide §5 and the gateway's table); other statuses by family.
const CODE_BY_STATUS: Record<number, string> = {
  400: 'VAL_001', 401: 'AUTH_001', 403: 'AUTH_003', 404: 'BIZ_001', 409: 'BIZ_002', 413: 'REQ_413',
  422: 'BIZ_003', 429: 'RATE_429', 500: 'SYS_001', 502: 'EXT_003', 503: 'EXT_002', 504: 'EXT_001',
};
const codeFor = (status: number) => CODE_BY_STATUS[status] ?? (status >= 500 ? 'SYS_001' : 'VAL_001');

const present = (value: string | undefined) => value !== undefined && value.length > 0;

const schema = z
  .strictObject({
    status_code: z.number().int().min(100).max(599).default(503),
    message: z.string().optional(),
    content_type: z.string().optional(),
    body: z.string().optional(),
    echo: z.boolean().default(false),
    // typedefs.header_name
    trigger: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: (i) => `bad header name '${String(i.input)}', allowed characters are A-Z, a-z, 0-9, '_', and '-'` })
      .optional(),
  })
  .superRefine((config, ctx) => {
    // Kong's custom_validator, same messages.
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [], message });
    if (present(config.message) && (present(config.content_type) || present(config.body))) fail('message cannot be used with content_type or body');
    if (present(config.content_type) && !present(config.body)) fail('content_type requires a body');
    if (config.echo && (present(config.content_type) || present(config.body))) fail('echo cannot be used with content_type and body');
  });

function send(res: ServerResponse, ctx: RequestContext, status: number, body: string, contentType: string | undefined): 'handled' {
  const headers: Record<string, string | string[]> = { ...ctx.responseHeaders, 'content-length': String(Buffer.byteLength(body)) };
  if (contentType !== undefined) headers['content-type'] = contentType;
  res.writeHead(status, headers);
  res.end(body);
  return 'handled';
}

/**
 * Kong's trigger: the header or the query argument is there, whatever its value. Header lookups
 * go through ngx's normalisation (case-insensitive, "_" read as "-").
 */
function triggered(ctx: RequestContext, trigger: string, headerName: string): boolean {
  if (ctx.req.headers[headerName] !== undefined) return true;
  const url = ctx.req.url ?? '';
  const query = url.indexOf('?');
  return query !== -1 && decodeArgs(url.slice(query + 1))[trigger] !== undefined;
}

export const requestTerminationPlugin: PluginDefinition<typeof schema> = {
  name: 'request-termination',
  priority: 2,
  schema,
  create(config) {
    const status = config.status_code;
    const message = config.message ?? DEFAULT_MESSAGE[status];
    const triggerHeader = config.trigger?.toLowerCase().replaceAll('_', '-');
    return {
      access(ctx) {
        if (config.trigger !== undefined && !triggered(ctx, config.trigger, triggerHeader!)) return;
        if (config.echo) {
          return echoBody(ctx, message).then((json) => send(ctx.res, ctx, status, json, 'application/json; charset=utf-8'));
        }
        if (config.body !== undefined) return send(ctx.res, ctx, status, config.body, config.content_type);
        if (message === undefined) return send(ctx.res, ctx, status, '', undefined);
        if (status >= 400) throw new GatewayError(status, message, { code: codeFor(status) });
        // Not an error status: Kong's own body, as there is no error to put in the envelope.
        return send(ctx.res, ctx, status, JSON.stringify({ message }), 'application/json; charset=utf-8');
      },
    };
  },
};
