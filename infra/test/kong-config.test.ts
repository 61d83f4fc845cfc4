// kong/kong.yml against decK's schema of the declarative format and Kong 3.10's plugin schemas
// (both in ../shared/kong), as committed (secrets as decK placeholders) and as the launcher renders
// it with development keys; plus the promises the rest of the platform relies on.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type AnySchemaObject } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { signingKeysFromPem } from '../../services/auth/src/infra/signing-keys.ts';
import { ensureDevKeys, KEY_AUTH_CLIENTS, renderDeckTemplate, renderKongConfig } from '../launcher/dev-keys.ts';
import { GATEWAY_STATUS_PORT, SERVICE_PORTS } from '../launcher/workspace.ts';

const root = new URL('../..', import.meta.url).pathname;
const kongSchemas = join(root, '../shared/kong');
const pluginSchemaDir = join(kongSchemas, 'plugin-schemas-3.10');
const PREFIX = '/KONGAPI/api/v1';

type Plugin = { name: string; config?: Record<string, unknown>; [key: string]: unknown };
type Route = { name: string; paths: string[]; methods?: string[]; strip_path?: boolean; plugins?: Plugin[] };
type Service = { name: string; url: string; read_timeout?: number; retries?: number; routes?: Route[]; plugins?: Plugin[] };
type JwtSecret = { key: string; algorithm: string; rsa_public_key?: string };
type Consumer = {
  username: string;
  jwt_secrets?: JwtSecret[];
  keyauth_credentials?: { key: string }[];
  acls?: { group: string }[];
  plugins?: Plugin[];
};
type KongConfig = { _format_version: string; services: Service[]; consumers: Consumer[]; plugins?: Plugin[] };

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as AnySchemaObject;
const templateText = readFileSync(join(root, 'kong/kong.yml'), 'utf8');
const committed = parse(templateText) as KongConfig;

// The file as `npm start` renders it, with freshly generated keys.
const work = mkdtempSync(join(tmpdir(), 'kong-config-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const devKeys = ensureDevKeys(join(work, 'keys'));
const renderedFile = join(work, 'kong.yml');
const { kid: renderedKid } = renderKongConfig({
  template: join(root, 'kong/kong.yml'),
  out: renderedFile,
  privateKeyFile: devKeys.privateKeyFile,
  apiKeysFile: devKeys.apiKeysFile,
});
const rendered = parse(readFileSync(renderedFile, 'utf8')) as KongConfig;

const routesOf = (config: KongConfig) => config.services.flatMap((service) => (service.routes ?? []).map((route) => ({ service, route })));
const routes = routesOf(committed);

function allPlugins(config: KongConfig): { where: string; plugin: Plugin }[] {
  return [
    ...(config.plugins ?? []).map((plugin) => ({ where: 'global', plugin })),
    ...config.services.flatMap((s) => (s.plugins ?? []).map((plugin) => ({ where: `service ${s.name}`, plugin }))),
    ...routesOf(config).flatMap(({ route }) => (route.plugins ?? []).map((plugin) => ({ where: `route ${route.name}`, plugin }))),
    ...config.consumers.flatMap((c) => (c.plugins ?? []).map((plugin) => ({ where: `consumer ${c.username}`, plugin }))),
  ];
}

/** "correlation-id" → CorrelationId.json, "acl" → ACL.json: the file names drop hyphens and case. */
function pluginSchemaFile(name: string): string | undefined {
  const wanted = name.replaceAll('-', '').toLowerCase();
  return readdirSync(pluginSchemaDir).find((file) => file.replace(/\.json$/, '').toLowerCase() === wanted);
}

/**
 * Kong's plugin schemas list every field but allow unknown ones; Kong itself rejects them, so
 * the test closes each object that names its properties, and a misspelt field fails here too.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = key === 'default' ? value : closeObjects(value);
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** Kong's router for these prefix routes: the longest matching prefix (methods respected). */
function routeFor(path: string, method = 'GET') {
  let best: { service: Service; route: Route; prefix: string } | undefined;
  for (const { service, route } of routes) {
    if (route.methods && !route.methods.includes(method)) continue;
    for (const prefix of route.paths) {
      if (path.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { service, route, prefix };
    }
  }
  return best;
}

const pluginOf = (route: Route, name: string) => route.plugins?.find((p) => p.name === name);

describe.each([
  ['kong/kong.yml as committed', committed],
  ['kong/kong.yml rendered with development keys', rendered],
])('%s', (_label, config) => {
  it('is a valid Kong 3 declarative file (decK schema, draft-04)', () => {
    const Ajv04 = ajvDraft04.default;
    const validate = new Ajv04({ allErrors: true, strict: false }).compile(readJson(join(kongSchemas, 'kong_json_schema.json')));
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(config._format_version).toBe('3.0');
  });

  it('gives every plugin a config that Kong 3.10 accepts, without unknown fields', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addVocabulary(['x-encrypted', 'x-referenceable']); // Kong's annotations, not constraints
    const plugins = allPlugins(config);
    expect(plugins.length).toBeGreaterThan(0);
    for (const { where, plugin } of plugins) {
      const file = pluginSchemaFile(plugin.name);
      expect(file, `no Kong 3.10 schema for plugin ${plugin.name} (${where})`).toBeDefined();
      // The files leave out the root's type; it is an object (the plugin entity).
      const schema = { ...readJson(join(pluginSchemaDir, file ?? '')), type: 'object' };
      const validate = ajv.compile(closeObjects(schema) as AnySchemaObject);
      const { name: _name, ...entity } = plugin;
      expect(validate(entity), `${plugin.name} (${where}): ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
    }
  });
});

describe('kong/kong.yml routes', () => {
  it('routes only under /KONGAPI/api/v1, to the same path on a known local service or to Kong status API paths', () => {
    expect(routes.length).toBeGreaterThan(0);
    const servicePorts = new Set(Object.values(SERVICE_PORTS));
    for (const { service, route } of routes) {
      const upstream = new URL(service.url);
      expect(upstream.hostname, service.name).toBe('127.0.0.1');
      expect(route.strip_path, route.name).toBe(true);
      const port = Number(upstream.port);
      if (port === GATEWAY_STATUS_PORT) {
        // The gateway's own status listener, at paths real Kong's Status API has too.
        expect(['/status', '/status/ready'], service.name).toContain(upstream.pathname);
        expect(route.methods, route.name).toEqual(['GET', 'HEAD']);
        continue;
      }
      expect(servicePorts.has(port), `${service.name} port ${port}`).toBe(true);
      for (const path of route.paths) {
        expect(path.startsWith(`${PREFIX}/`), path).toBe(true);
        expect(path.slice('/KONGAPI'.length), route.name).toBe(upstream.pathname);
      }
    }
  });

  // Guide §4, every route, and the service that answers it.
  const AUTH = 3001, USER = 3002, FILE = 3003, SYNC = 3004, NOTIFICATION = 3005;
  const publicRoutes: [string, number, string?][] = [
    ...['register', 'login', 'refresh', 'logout', 'forgot-password', 'reset-password', 'verify-email', 'token'].map(
      (p): [string, number, string] => [`/public/auth/${p}`, AUTH, 'POST'],
    ),
    ['/public/auth/.well-known/jwks.json', AUTH],
    ['/public/info', AUTH],
    ['/public/version', AUTH],
    ['/public/health', GATEWAY_STATUS_PORT],
    ['/public/status', GATEWAY_STATUS_PORT],
    ['/public/ready', GATEWAY_STATUS_PORT],
    ['/public/files/0b8c/content?expires=1&signature=x', FILE],
  ];
  const protectedRoutes: [string, number][] = [
    ['/users', USER], ['/users/u1', USER], ['/users/u1/profile', USER], ['/profile', USER], ['/profile/settings', USER],
    ['/auth/sessions', AUTH], ['/auth/change-password', AUTH],
    ['/files', FILE], ['/files/f1', FILE], ['/files/f1/content', FILE], ['/files/f1/links', FILE], ['/uploads', FILE], ['/uploads/u1', FILE],
    ['/notifications', NOTIFICATION], ['/notifications/stream', NOTIFICATION], ['/notifications/preferences', NOTIFICATION],
    ['/webhooks', NOTIFICATION], ['/sync/changes', SYNC], ['/sync/stream', SYNC],
  ];
  const adminRoutes: [string, number][] = [
    ['/admin/users', USER], ['/admin/users/u1', USER], ['/admin/users/u1/ban', USER], ['/admin/users/u1/unban', USER],
    ['/admin/stats', USER], ['/admin/reports', USER], ['/admin/analytics', USER],
    ['/admin/sync/connections', SYNC], ['/admin/sync/jobs/j1', SYNC], ['/admin/audit', AUTH],
    ['/admin/notifications/dead-letters', NOTIFICATION],
  ];
  const serviceRoutes: [string, number][] = [
    ['/services/users/batch', USER], ['/services/users/bulk-update', USER], ['/services/users/sync', SYNC],
  ];

  it.each(publicRoutes)('public %s → port %i, no jwt, rate-limited by IP', (path, port, method = 'GET') => {
    const hit = routeFor(`${PREFIX}${path}`, method);
    expect(hit, path).toBeDefined();
    expect(Number(new URL(hit?.service.url ?? 'http://x').port)).toBe(port);
    expect(pluginOf(hit?.route as Route, 'jwt')).toBeUndefined();
    expect(pluginOf(hit?.route as Route, 'rate-limiting')?.config).toMatchObject({ limit_by: 'ip' });
  });

  it.each([...protectedRoutes, ...adminRoutes])('protected %s → port %i with the jwt plugin on kid, 15-minute tokens', (path, port) => {
    const hit = routeFor(`${PREFIX}${path}`);
    expect(hit, path).toBeDefined();
    expect(Number(new URL(hit?.service.url ?? 'http://x').port)).toBe(port);
    expect(pluginOf(hit?.route as Route, 'jwt')?.config).toMatchObject({ key_claim_name: 'kid', claims_to_verify: ['exp'], maximum_expiration: 900 });
  });

  it.each(serviceRoutes)('service %s → port %i with key-auth and the ACL group service', (path, port) => {
    const hit = routeFor(`${PREFIX}${path}`, 'POST');
    expect(hit, path).toBeDefined();
    expect(Number(new URL(hit?.service.url ?? 'http://x').port)).toBe(port);
    expect(pluginOf(hit?.route as Route, 'key-auth')?.config).toMatchObject({ hide_credentials: true, key_in_query: false });
    expect(pluginOf(hit?.route as Route, 'acl')?.config).toEqual({ allow: ['service'] });
    expect(pluginOf(hit?.route as Route, 'jwt')).toBeUndefined();
  });

  it('never routes internal paths or the services’ own health and metrics', () => {
    for (const path of ['/internal/users/u1', '/internal', '/health', '/metrics', '/ready', '/live', '/admin', '/services/other']) {
      expect(routeFor(`${PREFIX}${path}`), path).toBeUndefined();
    }
    for (const { route } of routes) for (const path of route.paths) expect(path).not.toMatch(/internal/);
  });

  it('protects every non-public route with jwt or key-auth, and nothing public with either', () => {
    for (const { route } of routes) {
      const isPublic = route.paths.every((path) => path.startsWith(`${PREFIX}/public/`));
      const auth = ['jwt', 'key-auth'].filter((name) => pluginOf(route, name));
      expect(auth, route.name).toHaveLength(isPublic ? 0 : 1);
      if (isPublic) expect(pluginOf(route, 'rate-limiting')?.config, route.name).toMatchObject({ limit_by: 'ip' });
    }
  });

  it('limits request bodies on JSON routes but lets files and uploads stream', () => {
    const streaming = new Set(['files', 'uploads', 'public-files', 'sync-stream', 'notifications-stream', 'public-status', 'public-ready', 'public-info', 'public-version']);
    for (const { route, service } of routes) {
      const limit = pluginOf(route, 'request-size-limiting');
      if (streaming.has(route.name)) expect(limit, route.name).toBeUndefined();
      else expect(limit?.config, route.name).toMatchObject({ size_unit: 'megabytes' });
      if (['files', 'uploads', 'public-files'].includes(route.name)) expect(service.retries, route.name).toBe(0);
    }
  });

  it('keeps Server-Sent Events streams open for at least an hour of silence', () => {
    for (const path of ['/notifications/stream', '/sync/stream', '/notifications/stream/x']) {
      expect(routeFor(`${PREFIX}${path}`)?.service.read_timeout, path).toBeGreaterThanOrEqual(3_600_000);
    }
  });

  it('sets X-Request-ID, CORS and Kong-style metrics for every route', () => {
    const global = new Map((committed.plugins ?? []).map((p) => [p.name, p.config]));
    expect(global.get('correlation-id')).toMatchObject({ header_name: 'X-Request-ID', echo_downstream: true });
    expect(global.has('cors')).toBe(true);
    expect(global.get('prometheus')).toMatchObject({ status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true });
  });
});

describe('kong/kong.yml secrets', () => {
  it('commits no key: every secret is a decK placeholder', () => {
    const auth = committed.consumers.find((c) => c.username === 'platform-auth');
    expect(auth?.jwt_secrets).toEqual([
      { key: '${{ env "DECK_JWT_KID" }}', algorithm: 'RS256', secret: 'unused-for-rs256', rsa_public_key: '${{ env "DECK_JWT_RSA_PUBLIC_KEY" }}' },
    ]);
    expect(templateText).not.toMatch(/^[^#]*-----BEGIN/m); // no PEM outside comments
    for (const client of KEY_AUTH_CLIENTS) {
      const consumer = committed.consumers.find((c) => c.username === `service-${client}`);
      expect(consumer?.keyauth_credentials, client).toEqual([{ key: `\${{ env "DECK_KEY_AUTH_${client.toUpperCase()}" }}` }]);
      expect(consumer?.acls, client).toEqual([{ group: 'service' }]);
    }
  });

  it('renders a jwt_secret keyed by the kid auth puts in its tokens, holding the public half of its signing key', () => {
    const privatePem = readFileSync(devKeys.privateKeyFile, 'utf8');
    const auth = signingKeysFromPem(privatePem);
    const secret = rendered.consumers.find((c) => c.username === 'platform-auth')?.jwt_secrets?.[0];
    expect(secret).toMatchObject({ key: auth.active.kid, algorithm: 'RS256' });
    expect(renderedKid).toBe(auth.active.kid);

    const inKong = createPublicKey(secret?.rsa_public_key ?? '');
    expect(inKong.export({ format: 'jwk' })).toEqual(auth.jwks.keys[0] && { kty: 'RSA', n: auth.jwks.keys[0].n, e: auth.jwks.keys[0].e });
    const privateKey = createPrivateKey(privatePem);
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signature = sign('sha256', Buffer.from('payload'), privateKey);
    expect(verify('sha256', Buffer.from('payload'), inKong, signature)).toBe(true);
  });

  it('renders each service client its own generated key-auth key', () => {
    const apiKeys = JSON.parse(readFileSync(devKeys.apiKeysFile, 'utf8')) as Record<string, string>;
    const keys = KEY_AUTH_CLIENTS.map((client) => rendered.consumers.find((c) => c.username === `service-${client}`)?.keyauth_credentials?.[0]?.key);
    expect(keys).toEqual(KEY_AUTH_CLIENTS.map((client) => apiKeys[client]));
    expect(new Set(keys).size).toBe(KEY_AUTH_CLIENTS.length);
    for (const key of keys) expect(key).toMatch(/^[\w-]{32}$/);
  });

  it("renders decK's env placeholders as decK does, and names what is missing", () => {
    expect(renderDeckTemplate('a: ${{ env "DECK_A" }}\nb: ${{env "DECK_B"}}', { DECK_A: '"x"', DECK_B: '1' })).toBe('a: "x"\nb: 1');
    expect(() => renderDeckTemplate('a: ${{ env "DECK_A" }} ${{ env "DECK_B" }}', {})).toThrow('kong.yml needs DECK_A, DECK_B');
    expect(() => renderDeckTemplate('a: ${{ env "HOME" }}', { HOME: '/root' })).toThrow(/unsupported decK template/);
  });
});
