// Kong's key-auth plugin (3.10): for each key name, the header then the query argument; the first
// string found is the key. A repeated key is refused, an unknown key is "Unauthorized". key_in_body is
// not implemented (reading the body would stop streaming uploads), so the start refuses it.
import { z } from 'zod';
import { GatewayError, type PluginDefinition, type RequestContext } from './plugin.ts';
import { resolveAnonymous } from './authentication/anonymous.ts';
import { authenticationAccess } from './authentication/access-flow.ts';
import { setConsumer } from './authentication/consumer-headers.ts';
import { hasValuelessArg } from './authentication/query-args.ts';

const keyName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'may only contain [a-z], [A-Z], [0-9], [_] underscore, and [-] hyphen');

// Konnect identity realms: only "consumers of this gateway's own config" (scope cp) is what we do.
const identityRealm = z.strictObject({
  scope: z.literal('cp', { message: "only scope 'cp' (this config's consumers) is supported" }),
  id: z.null().optional(),
  region: z.null().optional(),
});

export const keyAuthSchema = z.strictObject({
  key_names: z.array(keyName).min(1).default(['apikey']).transform((v) => [...new Set(v)]),
  hide_credentials: z.boolean().default(false),
  anonymous: z.string().min(1).nullish(),
  key_in_header: z.boolean().default(true),
  key_in_query: z.boolean().default(true),
  key_in_body: z.literal(false, { message: 'key_in_body is not supported by this gateway (it streams request bodies)' }).default(false),
  run_on_preflight: z.boolean().default(true),
  realm: z.string().min(1).nullish(),
  identity_realms: z.array(identityRealm).nullish(),
});

export type KeyAuthConfig = z.infer<typeof keyAuthSchema>;

type Lookup = { query: string; header: string; headerAlias: string | undefined };

/** Every value of a header as the client sent it (Node joins repeats of custom headers with ", "). */
function headerValues(rawHeaders: string[], name: string): string | string[] | undefined {
  let found: string | string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i] as string;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const value = rawHeaders[i + 1] as string;
    found = found === undefined ? value : typeof found === 'string' ? [found, value] : [...found, value];
  }
  return found;
}

export const keyAuthPlugin: PluginDefinition<typeof keyAuthSchema> = {
  name: 'key-auth',
  priority: 1250,
  schema: keyAuthSchema,
  create(config, env) {
    const anonymous = resolveAnonymous('key-auth', config.anonymous, env);
    const www = { 'WWW-Authenticate': config.realm ? `Key realm="${config.realm}"` : 'Key' };
    const lookups: Lookup[] = config.key_names.map((n) => {
      const header = n.toLowerCase();
      // ngx.req.get_headers() retries a miss with "_" turned into "-".
      const alias = header.replaceAll('_', '-');
      return { query: n, header, headerAlias: alias === header ? undefined : alias };
    });

    const hide = (ctx: RequestContext, lookup: Lookup) => {
      if (ctx.req.url?.includes('?')) ctx.upstream.query.delete(lookup.query);
      delete ctx.upstream.headers[lookup.header];
      if (lookup.headerAlias) delete ctx.upstream.headers[lookup.headerAlias];
    };

    /** The key ('' when none), or undefined when the client sent it more than once. */
    const findKey = (ctx: RequestContext): string | undefined => {
      const hasQuery = ctx.req.url?.includes('?') ?? false; // parsing the query costs; most requests have none
      for (const lookup of lookups) {
        let value: string | string[] | true | undefined;
        if (config.key_in_header) {
          value = headerValues(ctx.req.rawHeaders, lookup.header);
          if (value === undefined && lookup.headerAlias) value = headerValues(ctx.req.rawHeaders, lookup.headerAlias);
        }
        if (value === undefined && config.key_in_query && hasQuery) {
          const all = ctx.upstream.query.getAll(lookup.query);
          if (all.length > 1) value = all;
          // `?apikey` is a boolean for Kong: not a key, try the next name.
          else if (all.length === 1) value = all[0] === '' && hasValuelessArg(ctx.req.url, lookup.query) ? true : all[0];
        }
        if (typeof value === 'string') {
          if (config.hide_credentials) hide(ctx, lookup);
          return value;
        }
        if (Array.isArray(value)) return undefined;
      }
      return '';
    };

    /** Kong's message when authentication fails. */
    const authenticate = (ctx: RequestContext): string | undefined => {
      const key = findKey(ctx);
      if (key === undefined) return 'Duplicate API key found';
      if (key === '') return 'No API key found in request';
      const credential = env.consumers.keyAuthByKey(key);
      const consumer = credential && env.consumers.byId(credential.consumerId);
      if (!credential || !consumer) return 'Unauthorized';
      setConsumer(ctx, consumer, { id: credential.id, key: credential.key, kind: 'key-auth' }, credential.id);
      return undefined;
    };

    return {
      access: authenticationAccess({
        runOnPreflight: config.run_on_preflight,
        anonymous,
        authenticate,
        reject: (failure) => new GatewayError(401, failure, { code: 'AUTH_001', headers: www }),
      }),
    };
  },
};
