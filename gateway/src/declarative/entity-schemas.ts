// Kong 3.x's declarative entities as zod schemas: Kong's field names, types and defaults. `.strict()`
// everywhere, so a misspelt field stops the start. Fields Kong has but this gateway does not
// implement are accepted only when absent or at Kong's default (`notImplemented`), never ignored.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export const NOT_IMPLEMENTED = 'is not implemented by this gateway';

/** A Kong field this gateway cannot honour: fine when unset (or at its default), an error otherwise. */
export const notImplemented = (...allowed: unknown[]) =>
  z.unknown().superRefine((value, ctx) => {
    if (value === undefined || value === null) return;
    if (allowed.some((a) => isDeepStrictEqual(a, value))) return;
    ctx.addIssue({ code: 'custom', message: NOT_IMPLEMENTED });
  }).optional();

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'expected a valid UUID' });
// Kong's typedefs.utf8_name: letters, digits and . - _ ~ (ASCII subset; Kong also allows other UTF-8 letters).
const entityName = z.string().regex(/^[\p{L}\p{N}._~-]+$/u, { message: 'must contain only letters, digits, ".", "-", "_" or "~"' });
const tags = z.array(z.string()).optional();
const timestamp = z.int().optional();
const timeout = z.int().min(1).max(2_147_483_646);
const children = z.array(z.unknown()).optional();

/** A foreign key in the flat format: the other entity's name or id, or `{ id }` / `{ name }`. */
export const reference = z.union([
  z.string().min(1),
  z.object({ id: z.string().min(1) }).strict(),
  z.object({ name: z.string().min(1) }).strict(),
  z.object({ username: z.string().min(1) }).strict(),
]);
export type Reference = z.infer<typeof reference>;

export const KONG_PROTOCOLS = ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;
const protocol = z.enum(KONG_PROTOCOLS);

export const documentSchema = z
  .object({
    _format_version: z.enum(['3.0', '2.1', '1.1'], { message: 'expected "3.0" (or the older "2.1"/"1.1"), as a string' }),
    _transform: z.boolean().optional(),
    _comment: z.string().optional(),
    _info: z.record(z.string(), z.unknown()).optional(),
    _workspace: notImplemented('default'),
    services: children,
    routes: children,
    consumers: children,
    plugins: children,
    jwt_secrets: children,
    keyauth_credentials: children,
    acls: children,
    upstreams: notImplemented([]),
    targets: notImplemented([]),
    certificates: notImplemented([]),
    ca_certificates: notImplemented([]),
    snis: notImplemented([]),
    vaults: notImplemented([]),
    consumer_groups: notImplemented([]),
    keys: notImplemented([]),
    key_sets: notImplemented([]),
    filter_chains: notImplemented([]),
    parameters: notImplemented([]),
    basicauth_credentials: notImplemented([]),
    hmacauth_credentials: notImplemented([]),
    oauth2_credentials: notImplemented([]),
    mtls_auth_credentials: notImplemented([]),
  })
  .strict();

export const serviceSchema = z
  .object({
    id: uuid.optional(),
    name: entityName.optional(),
    url: z.string().optional(),
    protocol: protocol.optional(),
    host: z.string().min(1).optional(),
    port: z.int().min(0).max(65_535).optional(),
    path: z.string().startsWith('/', { message: 'should start with: /' }).optional(),
    retries: z.int().min(0).max(32_767).default(5),
    connect_timeout: timeout.default(60_000),
    read_timeout: timeout.default(60_000),
    write_timeout: timeout.default(60_000),
    enabled: z.boolean().default(true),
    tags,
    created_at: timestamp,
    updated_at: timestamp,
    tls_verify: notImplemented(),
    tls_verify_depth: notImplemented(),
    ca_certificates: notImplemented([]),
    client_certificate: notImplemented(),
    routes: children,
    plugins: children,
  })
  .strict();

const method = z.string().regex(/^[A-Z]+$/, { message: 'invalid value: must be an uppercase HTTP method' });
// Kong: one wildcard at most, and only as the leftmost or rightmost label; an optional :port.
const host = z
  .string()
  .min(1)
  .refine((h) => (h.match(/\*/g) ?? []).length <= 1, { message: 'invalid wildcard: only one wildcard must be specified' })
  .refine((h) => !h.includes('*') || /^\*\.[^*]+$|^[^*]+\.\*(:\d+)?$/.test(h), {
    message: 'invalid wildcard: wildcard must be leftmost or rightmost character',
  })
  .refine((h) => /^[A-Za-z0-9.*-]+(:\d{1,5})?$/.test(h), { message: 'invalid hostname' });
const path = z.string().refine((p) => p.startsWith('/') || p.startsWith('~'), { message: 'should start with: / (fixed path) or ~ (regex path)' });

export const routeSchema = z
  .object({
    id: uuid.optional(),
    name: entityName.optional(),
    protocols: z.array(protocol).min(1).default(['http', 'https']),
    methods: z.array(method).optional(),
    hosts: z.array(host).optional(),
    paths: z.array(path).optional(),
    headers: notImplemented({}),
    snis: notImplemented([]),
    sources: notImplemented([]),
    destinations: notImplemented([]),
    expression: notImplemented(),
    priority: notImplemented(0),
    strip_path: z.boolean().default(true),
    preserve_host: z.boolean().default(false),
    regex_priority: z.int().default(0),
    path_handling: z.enum(['v0', 'v1']).default('v0'),
    https_redirect_status_code: z.union([z.literal(426), z.literal(301), z.literal(302), z.literal(307), z.literal(308)]).default(426),
    request_buffering: z.boolean().default(true),
    response_buffering: z.boolean().default(true),
    tags,
    created_at: timestamp,
    updated_at: timestamp,
    service: reference.optional(),
    plugins: children,
  })
  .strict();

export const consumerSchema = z
  .object({
    id: uuid.optional(),
    username: z.string().min(1).optional(),
    custom_id: z.string().min(1).optional(),
    tags,
    created_at: timestamp,
    updated_at: timestamp,
    jwt_secrets: children,
    keyauth_credentials: children,
    acls: children,
    plugins: children,
    groups: notImplemented([]),
    basicauth_credentials: notImplemented([]),
    hmacauth_credentials: notImplemented([]),
    oauth2_credentials: notImplemented([]),
    mtls_auth_credentials: notImplemented([]),
  })
  .strict();

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const jwtSecretSchema = z
  .object({
    id: uuid.optional(),
    key: z.string().min(1),
    algorithm: z
      .string()
      .default('HS256')
      .superRefine((a, ctx) => {
        if ((JWT_ALGORITHMS as readonly string[]).includes(a)) return;
        const known = ['PS256', 'PS384', 'PS512', 'ES256K'].includes(a);
        ctx.addIssue({ code: 'custom', message: known ? NOT_IMPLEMENTED : `expected one of: ${JWT_ALGORITHMS.join(', ')}` });
      })
      .transform((a) => a as (typeof JWT_ALGORITHMS)[number]),
    secret: z.string().min(1).optional(),
    rsa_public_key: z.string().min(1).optional(),
    tags,
    created_at: timestamp,
    consumer: reference.optional(),
  })
  .strict();

export const keyAuthSchema = z
  .object({
    id: uuid.optional(),
    key: z.string().min(1),
    ttl: notImplemented(),
    tags,
    created_at: timestamp,
    consumer: reference.optional(),
  })
  .strict();

export const aclSchema = z
  .object({
    id: uuid.optional(),
    group: z.string().min(1),
    tags,
    created_at: timestamp,
    consumer: reference.optional(),
  })
  .strict();

export const pluginEntitySchema = z
  .object({
    id: uuid.optional(),
    name: z.string().min(1),
    instance_name: entityName.optional(),
    config: z.record(z.string(), z.unknown()).nullish(),
    enabled: z.boolean().default(true),
    protocols: z.array(protocol).min(1).optional(),
    tags,
    created_at: timestamp,
    updated_at: timestamp,
    service: reference.optional(),
    route: reference.optional(),
    consumer: reference.optional(),
    consumer_group: notImplemented(),
    ordering: notImplemented(),
    condition: notImplemented(),
    partials: notImplemented([]),
  })
  .strict();

export type ServiceInput = z.infer<typeof serviceSchema>;
export type RouteInput = z.infer<typeof routeSchema>;
export type ConsumerInput = z.infer<typeof consumerSchema>;
export type JwtSecretInput = z.infer<typeof jwtSecretSchema>;
export type KeyAuthInput = z.infer<typeof keyAuthSchema>;
export type AclInput = z.infer<typeof aclSchema>;
export type PluginInput = z.infer<typeof pluginEntitySchema>;
