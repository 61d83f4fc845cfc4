// Kong's cors plugin (3.10, priority 2000: before any auth plugin). A preflight (OPTIONS with
// Origin and Access-Control-Request-Method) is answered here with 200 and the Access-Control-*
// headers, unless preflight_continue hands it to the upstream; every other response gets the
// Access-Control-Allow-Origin/Credentials/Expose-Headers headers and Vary: Origin in header_filter.
import type { OutgoingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { PluginDefinition } from './plugin.ts';
import { compileOrigins, matchOrigin, type OriginPolicy } from './cors/allowed-origin.ts';

// Kong's order (the default Access-Control-Allow-Methods is this list joined with ",").
const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

// Kong's is_regex: the entry must compile (ngx.re is PCRE; this gateway compiles it as a JS RegExp).
const compiles = (value: string) => {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
};

const schema = z.strictObject({
  origins: z.array(z.string().refine((v) => v === '*' || compiles(v), { error: (i) => `'${String(i.input)}' is not a valid regex` })).optional(),
  headers: z.array(z.string()).optional(),
  exposed_headers: z.array(z.string()).optional(),
  methods: z.array(z.enum(METHODS)).default([...METHODS]),
  max_age: z.number().optional(),
  credentials: z.boolean().default(false),
  private_network: z.boolean().default(false),
  preflight_continue: z.boolean().default(false),
  allow_origin_absent: z.boolean().default(true),
});

type Headers = OutgoingHttpHeaders | Record<string, string | string[]>;

const ACAO = 'access-control-allow-origin';
const ACAC = 'access-control-allow-credentials';
/** Marks a request whose preflight was answered (or handed upstream): header_filter adds nothing. */
const SKIP = 'cors';

/** Kong: set_header in access, add_header in header_filter (the upstream may have its own Vary). */
function addVary(headers: Headers, headerFilter: boolean): void {
  const current = headers.vary;
  if (!headerFilter || current === undefined) headers.vary = 'Origin';
  else headers.vary = Array.isArray(current) ? [...current, 'Origin'] : [String(current), 'Origin'];
}

/** Kong's configure_origin; true when every origin is allowed ("*"). */
function configureOrigin(policy: OriginPolicy, headers: Headers, headerFilter: boolean, origin: string | undefined): boolean {
  if (policy.kind === 'any') {
    headers[ACAO] = '*';
    return true;
  }
  // Always Vary: Origin once the answer depends on the origin (caches key on it).
  addVary(headers, headerFilter);
  if (policy.kind === 'single') {
    headers[ACAO] = policy.origin;
    return false;
  }
  if (origin !== undefined) {
    if (policy.hasStar) {
      headers[ACAO] = '*';
      return true;
    }
    const allowed = matchOrigin(policy.entries, origin);
    if (allowed !== undefined) {
      headers[ACAO] = allowed;
      return false;
    }
  }
  delete headers[ACAO];
  return false;
}

/** Kong's configure_credentials: with "*" the request's own origin is echoed (ACAC cannot go with "*"). */
function configureCredentials(credentials: boolean, allowAll: boolean, headers: Headers, headerFilter: boolean, origin: string | undefined): void {
  if (!credentials) return;
  if (!allowAll) {
    headers[ACAC] = 'true';
    return;
  }
  if (origin !== undefined) {
    addVary(headers, headerFilter);
    headers[ACAO] = origin;
    headers[ACAC] = 'true';
  }
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export const corsPlugin: PluginDefinition<typeof schema> = {
  name: 'cors',
  priority: 2000,
  schema,
  create(config) {
    const policy = compileOrigins(config.origins);
    const allowHeaders = config.headers && config.headers.length > 0 ? config.headers.join(',') : undefined;
    const allowMethods = config.methods.join(',');
    const maxAge = config.max_age === undefined ? undefined : String(config.max_age);
    const exposeHeaders = config.exposed_headers && config.exposed_headers.length > 0 ? config.exposed_headers.join(',') : undefined;

    return {
      access(ctx) {
        const h = ctx.req.headers;
        const origin = header(h.origin);
        if (ctx.req.method !== 'OPTIONS' || origin === undefined || h['access-control-request-method'] === undefined) return;
        ctx.shared.set(SKIP, true);
        if (config.preflight_continue) return;

        const headers: Record<string, string | string[]> = { ...ctx.responseHeaders };
        const allowAll = configureOrigin(policy, headers, false, origin);
        configureCredentials(config.credentials, allowAll, headers, false, origin);
        const requested = header(h['access-control-request-headers']);
        if (allowHeaders !== undefined) headers['access-control-allow-headers'] = allowHeaders;
        else if (requested !== undefined) headers['access-control-allow-headers'] = requested;
        headers['access-control-allow-methods'] = allowMethods;
        if (maxAge !== undefined) headers['access-control-max-age'] = maxAge;
        if (config.private_network && header(h['access-control-request-private-network']) === 'true') {
          headers['access-control-allow-private-network'] = 'true';
        }
        headers['content-length'] = '0';
        ctx.res.writeHead(200, headers);
        ctx.res.end();
        return 'handled';
      },

      headerFilter(ctx, upstream) {
        if (ctx.shared.has(SKIP)) return;
        const origin = header(ctx.req.headers.origin);
        if (origin === undefined && !config.allow_origin_absent) return;
        const headers = upstream.headers;
        const allowAll = configureOrigin(policy, headers, true, origin);
        configureCredentials(config.credentials, allowAll, headers, true, origin);
        if (exposeHeaders !== undefined) headers['access-control-expose-headers'] = exposeHeaders;
      },
    };
  },
};
