// Kong's request-transformer (3.10): rewrites what goes upstream in Kong's order — the URI
// (replace.uri), the method (http_method; GET/HEAD/TRACE also move a form body into the query),
// then headers, body and querystring, each by remove → rename → replace → add → append.
// Values may be templates (see request-transformer/template.ts). The body is read only when body
// rules exist and the body is JSON or a form (multipart bodies pass untouched), up to BODY_LIMIT_BYTES.
import type { PluginDefinition, RequestContext } from './plugin.ts';
import { BODY_LIMIT_BYTES, bodyKind, readBody, transformFormBody, transformJsonBody, type Render } from './request-transformer/body.ts';
import { requestTransformerSchema } from './request-transformer/config-schema.ts';
import { compilePlan, type Area, type Plan } from './request-transformer/plan.ts';
import { renderTemplate, type TemplateValues } from './request-transformer/template.ts';

type Headers = RequestContext['upstream']['headers'];

const joined = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);

/** Captures of the route's regex path that matches this request: numbered groups and named ones. */
function uriCaptures(ctx: RequestContext): Record<string, string | undefined> {
  const url = ctx.req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  for (const regex of ctx.route.regexPaths) {
    regex.lastIndex = 0;
    const match = regex.exec(path);
    if (!match) continue;
    const captures: Record<string, string | undefined> = { ...match.groups };
    match.forEach((value, i) => {
      captures[i] = value;
    });
    return captures;
  }
  return {};
}

/**
 * Kong builds the template environment from the request before any change; the values are taken
 * here, once, and only for the sources the config's templates use.
 */
function templateValues(ctx: RequestContext, plan: Plan): TemplateValues | undefined {
  if (plan.uses.size === 0) return undefined;
  const headers = plan.uses.has('headers') ? { ...ctx.upstream.headers } : {};
  const query = plan.uses.has('query_params') ? new URLSearchParams(ctx.upstream.query) : undefined;
  let captures: Record<string, string | undefined> | undefined;
  return {
    // ngx.req.get_headers() lookups: case-insensitive, and "_" stands for "-".
    headers: (key) => joined(headers[key.toLowerCase().replaceAll('_', '-')]),
    query_params: (key) => {
      const values = query?.getAll(key) ?? [];
      return values.length === 0 ? undefined : values.join(', ');
    },
    uri_captures: (key) => (captures ??= uriCaptures(ctx))[key],
  };
}

/** kong.service.request.set_path escapes what a path may not carry; existing %XX escapes stay. */
function toPath(rendered: string): string {
  const path = rendered.startsWith('/') ? rendered : `/${rendered}`;
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));
}

function appendHeader(current: string | string[] | undefined, value: string): string[] {
  if (Array.isArray(current)) return [...current, value];
  return current === undefined ? [value] : [current, value];
}

/** Host is not in Kong's header table: it can be replaced, never removed, renamed or added. */
function transformHeaders(area: Area, headers: Headers, render: Render): void {
  for (const name of area.remove) if (name !== 'host') delete headers[name];
  for (const { name, value } of area.rename) {
    const to = render(value)?.toLowerCase();
    const current = headers[name];
    if (to === undefined || to === name || name === 'host' || current === undefined) continue;
    delete headers[name];
    headers[to] = current;
  }
  for (const { name, value } of area.replace) {
    const to = render(value);
    if (to !== undefined && (headers[name] !== undefined || name === 'host')) headers[name] = to;
  }
  for (const { name, value } of area.add) {
    const to = render(value);
    if (to !== undefined && headers[name] === undefined && name !== 'host') headers[name] = to;
  }
  for (const { name, value } of area.append) {
    const to = render(value);
    if (to !== undefined && name !== 'host') headers[name] = appendHeader(headers[name], to);
  }
}

function transformQuery(area: Area, query: URLSearchParams, render: Render): void {
  for (const name of area.remove) query.delete(name);
  for (const { name, value } of area.rename) {
    const to = render(value);
    if (to === undefined || to === name || !query.has(name)) continue;
    const values = query.getAll(name);
    query.delete(name);
    query.delete(to);
    for (const one of values) query.append(to, one);
  }
  for (const { name, value } of area.replace) {
    const to = render(value);
    if (to !== undefined && query.has(name)) query.set(name, to);
  }
  for (const { name, value } of area.add) {
    const to = render(value);
    if (to !== undefined && !query.has(name)) query.append(name, to);
  }
  for (const { name, value } of area.append) {
    const to = render(value);
    if (to !== undefined) query.append(name, to);
  }
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

/** The body-dependent steps: the form-to-query move of http_method, the body rules, then the query. */
async function transformWithBody(ctx: RequestContext, plan: Plan, render: Render, moveFormToQuery: boolean): Promise<void> {
  const { upstream } = ctx;
  const kind = bodyKind(upstream.headers['content-type']);
  // Reading the body here bypasses the proxy's byte count, so request-size-limiting's limit applies to the read.
  const sizeLimit = upstream.bodyLimit;
  const original = upstream.body ?? (await (sizeLimit && sizeLimit.bytes < BODY_LIMIT_BYTES
    ? readBody(ctx.req, sizeLimit.bytes, () => sizeLimit.error)
    : readBody(ctx.req)));
  upstream.body = original;
  if (moveFormToQuery) {
    for (const [name, value] of new URLSearchParams(original.toString('utf8'))) upstream.query.append(name, value);
  }
  if (plan.body.active && (kind === 'json' || kind === 'form')) {
    const rewritten = (kind === 'json' ? transformJsonBody : transformFormBody)(plan.body, original, render);
    if (rewritten) upstream.body = rewritten;
  }
  // What the proxy sends is now a buffer of known length.
  upstream.headers['content-length'] = String(upstream.body.length);
  delete upstream.headers['transfer-encoding'];
  if (plan.querystring.active) transformQuery(plan.querystring, upstream.query, render);
}

export const requestTransformerPlugin: PluginDefinition<typeof requestTransformerSchema> = {
  name: 'request-transformer',
  priority: 801,
  schema: requestTransformerSchema,
  create(config) {
    const plan = compilePlan(config);
    // Without templates every value is a constant: one render function for all requests.
    const renderConstant: Render = (template) => template?.constant;
    return {
      access(ctx) {
        const values = templateValues(ctx, plan);
        const render: Render = values ? (template) => (template ? renderTemplate(template, values) : undefined) : renderConstant;
        const { upstream } = ctx;

        if (plan.uri) upstream.path = toPath(render(plan.uri) ?? '/');
        let moveFormToQuery = false;
        if (plan.method) {
          upstream.method = plan.method;
          moveFormToQuery = BODYLESS_METHODS.has(plan.method) && bodyKind(upstream.headers['content-type']) === 'form';
        }
        if (plan.headers.active) transformHeaders(plan.headers, upstream.headers, render);

        // Read the body only when a rule needs it, so every other request keeps streaming.
        const kind = bodyKind(upstream.headers['content-type']);
        const bodyRules = plan.body.active && (kind === 'json' || kind === 'form');
        if (bodyRules || moveFormToQuery) return transformWithBody(ctx, plan, render, moveFormToQuery);
        if (plan.querystring.active) transformQuery(plan.querystring, upstream.query, render);
      },
    };
  },
};
