// The declarative loader: what real Kong 3.x accepts loads with Kong's defaults; what it rejects,
// and what this gateway does not implement, stops the start naming the entity and field.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { kongTemplateVars, renderDeckTemplate } from '../../infra/launcher/dev-keys.ts';
import { KongConfigError } from '../src/declarative/kong-config-error.ts';
import { loadKongConfig, parseKongConfig } from '../src/declarative/load-kong-config.ts';
import type { PluginDefinition } from '../src/plugins/plugin.ts';

// A stand-in plugin with a strict schema and a default, so these tests do not depend on the real plugins.
const limiter: PluginDefinition = {
  name: 'limiter',
  priority: 900,
  schema: z.object({ minute: z.number().int().positive().optional(), policy: z.enum(['local', 'redis']).default('local') }).strict(),
  create: () => ({}),
};
const authy: PluginDefinition = { name: 'authy', priority: 1000, schema: z.object({}).strict(), create: () => ({}) };
const definitions = [limiter, authy];

const load = (doc: Record<string, unknown>) => parseKongConfig(stringify(doc), 'test.yml', { definitions });

/** The problems the loader reports for doc (fails the test when it loads). */
function problems(doc: Record<string, unknown> | string): string[] {
  try {
    parseKongConfig(typeof doc === 'string' ? doc : stringify(doc), 'test.yml', { definitions });
  } catch (err) {
    if (err instanceof KongConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config loaded');
}

const base = (extra: Record<string, unknown> = {}) => ({
  _format_version: '3.0',
  services: [{ name: 'svc', url: 'http://127.0.0.1:3001/api', routes: [{ name: 'r1', paths: ['/x'] }] }],
  ...extra,
});

describe('loading a valid file', () => {
  it("applies Kong's defaults to services and routes", () => {
    const { config } = load({ _format_version: '3.0', services: [{ name: 'svc', host: 'example.org', routes: [{ name: 'r', paths: ['/a'] }] }] });
    expect(config.services[0]).toMatchObject({
      name: 'svc', protocol: 'http', host: 'example.org', port: 80, path: '/',
      retries: 5, connectTimeoutMs: 60_000, readTimeoutMs: 60_000, writeTimeoutMs: 60_000,
    });
    expect(config.routes[0]).toMatchObject({
      name: 'r', stripPath: true, preserveHost: false, regexPriority: 0, pathHandling: 'v0',
      protocols: ['http', 'https'], methods: null, hosts: null, httpsRedirectStatusCode: 426,
      prefixPaths: ['/a'], regexPaths: [],
    });
  });

  it('takes protocol, host, port and path from a service url (443 for https)', () => {
    const { config } = load({
      _format_version: '3.0',
      services: [
        { name: 'a', url: 'https://api.example.org/v1/', routes: [{ name: 'ra', paths: ['/a'] }] },
        { name: 'b', url: 'http://127.0.0.1:3001', routes: [{ name: 'rb', paths: ['/b'] }] },
      ],
    });
    expect(config.services[0]).toMatchObject({ protocol: 'https', host: 'api.example.org', port: 443, path: '/v1/' });
    expect(config.services[1]).toMatchObject({ protocol: 'http', host: '127.0.0.1', port: 3001, path: '/' });
  });

  it('generates the same ids for the same file, and keeps given ids', () => {
    const doc = base({ consumers: [{ username: 'ann', id: '2b3c1d0e-1111-4222-8333-444455556666' }] });
    const a = load(doc).config;
    const b = load(doc).config;
    expect(a.services[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.services[0]?.id).toBe(b.services[0]?.id);
    expect(a.routes[0]?.id).toBe(b.routes[0]?.id);
    expect(a.consumers[0]?.id).toBe('2b3c1d0e-1111-4222-8333-444455556666');
    expect(a.routes[0]?.serviceId).toBe(a.services[0]?.id);
  });

  it('compiles ~ paths as anchored regexes and keeps the others as prefixes', () => {
    const { config } = load(base({ routes: [{ name: 'rx', service: 'svc', paths: ['~/users/(?<id>\\d+)$', '/plain'], regex_priority: 3 }] }));
    const route = config.routes.find((r) => r.name === 'rx');
    expect(route?.prefixPaths).toEqual(['/plain']);
    expect(route?.regexPaths[0]?.exec('/users/42')?.groups).toEqual({ id: '42' });
    expect(route?.regexPaths[0]?.test('/x/users/42')).toBe(false);
    expect(route?.regexPriority).toBe(3);
  });

  it('migrates Kong 2.x regex paths (format 2.1) to ~ paths', () => {
    const { config } = load({ _format_version: '2.1', services: [{ name: 's', url: 'http://h', routes: [{ name: 'r', paths: ['/users/\\d+', '/plain-path_1.x'] }] }] });
    expect(config.routes[0]?.prefixPaths).toEqual(['/plain-path_1.x']);
    expect(config.routes[0]?.regexPaths[0]?.test('/users/7')).toBe(true);
  });

  it('accepts top-level routes, credentials and plugins that reference their entities by name or id', () => {
    const { config } = load({
      _format_version: '3.0',
      services: [{ name: 'svc', url: 'http://h' }],
      routes: [{ name: 'r', service: 'svc', paths: ['/r'] }, { name: 'r2', service: { name: 'svc' }, methods: ['GET'] }],
      consumers: [{ username: 'ann', custom_id: 'c-1' }],
      keyauth_credentials: [{ consumer: 'ann', key: 'k-1' }],
      acls: [{ consumer: 'c-1', group: 'service' }],
      jwt_secrets: [{ consumer: 'ann', key: 'iss-1', algorithm: 'HS256', secret: 's3cret' }],
      plugins: [
        { name: 'limiter', route: 'r', consumer: 'ann', config: { minute: 5 } },
        { name: 'limiter', service: 'svc' },
        { name: 'limiter' },
      ],
    });
    const ann = config.consumers[0];
    expect(config.routes.map((r) => r.serviceId)).toEqual([config.services[0]?.id, config.services[0]?.id]);
    expect(config.index.keyAuthByKey('k-1')?.consumerId).toBe(ann?.id);
    expect(config.index.aclGroups(ann?.id ?? '')).toEqual(['service']);
    expect(config.index.jwtSecretByKey('iss-1')).toMatchObject({ algorithm: 'HS256', secret: 's3cret', consumerId: ann?.id });
    expect(config.index.byIdOrUsername('ann')).toBe(ann);
    expect(config.plugins.map((p) => [Boolean(p.routeId), Boolean(p.serviceId), Boolean(p.consumerId)])).toEqual([
      [true, false, true], [false, true, false], [false, false, false],
    ]);
    expect(config.plugins[2]?.config).toEqual({ policy: 'local' });
  });

  it('scopes nested plugins to their parent and nested credentials to their consumer', () => {
    const { config } = load({
      _format_version: '3.0',
      services: [{ name: 'svc', url: 'http://h', plugins: [{ name: 'limiter' }], routes: [{ name: 'r', paths: ['/r'], plugins: [{ name: 'authy' }] }] }],
      consumers: [{ username: 'ann', plugins: [{ name: 'limiter', config: { minute: 1 } }], keyauth_credentials: [{ key: 'k' }], acls: [{ group: 'g' }] }],
    });
    const svcPlugin = config.plugins.find((p) => p.serviceId);
    const routePlugin = config.plugins.find((p) => p.routeId);
    const consumerPlugin = config.plugins.find((p) => p.consumerId);
    expect(svcPlugin).toMatchObject({ name: 'limiter', serviceId: config.services[0]?.id });
    expect(svcPlugin?.routeId).toBeUndefined();
    expect(routePlugin).toMatchObject({ name: 'authy', routeId: config.routes[0]?.id });
    expect(routePlugin?.serviceId).toBeUndefined();
    expect(consumerPlugin).toMatchObject({ name: 'limiter', consumerId: config.consumers[0]?.id, config: { minute: 1, policy: 'local' } });
    expect(config.index.keyAuthByKey('k')?.consumerId).toBe(config.consumers[0]?.id);
  });

  it('resolves YAML anchors and aliases, as Kong does', () => {
    const text = `_format_version: "3.0"
services:
  - name: a
    url: http://h
    routes: [{ name: ra, paths: [/a], plugins: [ &lim { name: limiter, config: { minute: 3 } } ] }]
  - name: b
    url: http://h
    routes: [{ name: rb, paths: [/b], plugins: [ *lim ] }]
`;
    const { config } = parseKongConfig(text, 'test.yml', { definitions });
    expect(config.plugins.map((p) => p.config.minute)).toEqual([3, 3]);
  });

  it('leaves routes of a disabled service out of the router', () => {
    const { config } = load({ _format_version: '3.0', services: [{ name: 's', url: 'http://h', enabled: false, routes: [{ name: 'r', paths: ['/r'] }] }] });
    expect(config.routes).toEqual([]);
  });

  it('warns that path_handling v1 behaves as v0 (as on Kong 3.10)', () => {
    const { warnings } = load(base({ routes: [{ name: 'v1', service: 'svc', paths: ['/v'], path_handling: 'v1' }] }));
    expect(warnings.join()).toContain('routes[v1].path_handling');
  });

  it('hashes the file for /status', () => {
    expect(load(base()).hash).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('refusing a bad file, naming entity and field', () => {
  const cases: [string, Record<string, unknown> | string, string | RegExp][] = [
    ['not YAML', 'services: [\n', /not valid YAML/],
    ['no format version', { services: [] }, '(root)._format_version: expected "3.0"'],
    ['a numeric format version', { _format_version: 3.0 }, '(root)._format_version'],
    ['an unknown top-level key', { _format_version: '3.0', servicez: [] }, '(root).servicez: unknown field'],
    ['upstreams', { _format_version: '3.0', upstreams: [{ name: 'u' }] }, '(root).upstreams: is not implemented by this gateway'],
    ['an unknown service field', base({ services: [{ name: 'svc', url: 'http://h', retry: 3 }] }), 'services[svc].retry: unknown field'],
    ['a service without host', { _format_version: '3.0', services: [{ name: 's', path: '/a' }] }, 'services[s].host: required field missing'],
    ['a grpc service', { _format_version: '3.0', services: [{ name: 's', url: 'grpc://h:50051' }] }, "services[s].protocol: 'grpc' is not implemented"],
    ['a bad url', { _format_version: '3.0', services: [{ name: 's', url: 'nope' }] }, "services[s].url: invalid url 'nope'"],
    ['a timeout of 0', { _format_version: '3.0', services: [{ name: 's', url: 'http://h', read_timeout: 0 }] }, 'services[s].read_timeout'],
    ['retries out of range', { _format_version: '3.0', services: [{ name: 's', url: 'http://h', retries: 40_000 }] }, 'services[s].retries'],
    ['tls_verify', { _format_version: '3.0', services: [{ name: 's', url: 'https://h', tls_verify: true }] }, 'services[s].tls_verify: is not implemented by this gateway'],
    ['a bad service name', { _format_version: '3.0', services: [{ name: 'has space', url: 'http://h' }] }, 'services[has space].name: must contain only'],
    ['duplicate service names', { _format_version: '3.0', services: [{ name: 's', url: 'http://h' }, { name: 's', url: 'http://h' }] }, 'services[s]: name is already used by services[s]'],
    ['a route field typo', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], strip_paths: false }] }] }), 'services[svc].routes[r].strip_paths: unknown field'],
    ['a wrong type', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], strip_path: 'yes' }] }] }), 'services[svc].routes[r].strip_path'],
    ['a path without / or ~', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['a'] }] }] }), 'services[svc].routes[r].paths[0]: should start with'],
    ['an invalid regex', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['~/a(['] }] }] }), 'services[svc].routes[r].paths[0]: invalid regex'],
    ['a lowercase method', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', methods: ['get'] }] }] }), 'services[svc].routes[r].methods[0]'],
    ['a wildcard in the middle', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', hosts: ['a.*.com'] }] }] }), 'services[svc].routes[r].hosts[0]: invalid wildcard'],
    ['a route matching nothing', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', strip_path: true }] }] }), "services[svc].routes[r]: must set one of 'methods', 'hosts', 'headers', 'paths'"],
    ['headers matching', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], headers: { x: ['1'] } }] }] }), 'services[svc].routes[r].headers: is not implemented by this gateway'],
    ['a websocket route', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], protocols: ['ws'] }] }] }), "services[svc].routes[r].protocols: 'ws' is not implemented"],
    ['a top-level route without service', { _format_version: '3.0', routes: [{ name: 'r', paths: ['/a'] }] }, 'routes[r].service: required field missing'],
    ['a route to an unknown service', { _format_version: '3.0', routes: [{ name: 'r', paths: ['/a'], service: 'ghost' }] }, "routes[r].service: references unknown service 'ghost'"],
    ['a nested route naming a service', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], service: 'svc' }] }] }), 'services[svc].routes[r].service: cannot be set on an entity nested under a service'],
    ['duplicate route names', base({ routes: [{ name: 'r1', service: 'svc', paths: ['/y'] }] }), 'routes[r1]: name is already used by services[svc].routes[r1]'],
    ['an unknown plugin', base({ plugins: [{ name: 'ip-restriction' }] }), "plugins[ip-restriction]: plugin 'ip-restriction' is not implemented by this gateway"],
    ['an unknown plugin config field', base({ services: [{ name: 'svc', url: 'http://h', routes: [{ name: 'r', paths: ['/a'], plugins: [{ name: 'limiter', config: { foo: 1 } }] }] }] }), 'services[svc].routes[r].plugins[limiter].config.foo: unknown field'],
    ['a bad plugin config value', base({ plugins: [{ name: 'limiter', config: { policy: 'cluster' } }] }), 'plugins[limiter].config.policy'],
    ['an unknown plugin entity field', base({ plugins: [{ name: 'limiter', confg: {} }] }), 'plugins[limiter].confg: unknown field'],
    ['plugin ordering', base({ plugins: [{ name: 'limiter', ordering: { before: { access: ['authy'] } } }] }), 'plugins[limiter].ordering: is not implemented by this gateway'],
    ['a plugin on an unknown route', base({ plugins: [{ name: 'limiter', route: 'nope' }] }), "plugins[limiter].route: references unknown route 'nope'"],
    ['the same plugin twice on one route', base({ plugins: [{ name: 'limiter', route: 'r1' }, { name: 'limiter', route: 'r1' }] }), 'the same plugin on the same service/route/consumer'],
    ['a consumer without username or custom_id', { _format_version: '3.0', consumers: [{ tags: ['x'] }] }, "consumers[0]: at least one of these fields must be non-empty: 'custom_id', 'username'"],
    ['duplicate usernames', { _format_version: '3.0', consumers: [{ username: 'a' }, { username: 'a' }] }, 'consumers[a]: username is already used by consumers[a]'],
    ['basic-auth credentials', { _format_version: '3.0', consumers: [{ username: 'a', basicauth_credentials: [{ username: 'a', password: 'p' }] }] }, 'consumers[a].basicauth_credentials: is not implemented by this gateway'],
    ['a credential for an unknown consumer', { _format_version: '3.0', keyauth_credentials: [{ consumer: 'ghost', key: 'k' }] }, "keyauth_credentials[0].consumer: references unknown consumer 'ghost'"],
    ['a top-level credential without consumer', { _format_version: '3.0', acls: [{ group: 'g' }] }, 'acls[g].consumer: required field missing'],
    ['duplicate key-auth keys (never printed)', { _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [{ key: 'secret-k' }] }, { username: 'b', keyauth_credentials: [{ key: 'secret-k' }] }] }, 'consumers[b].keyauth_credentials[0]: key is already used by consumers[a].keyauth_credentials[0]'],
    ['key-auth ttl', { _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [{ key: 'k', ttl: 60 }] }] }, 'consumers[a].keyauth_credentials[0].ttl: is not implemented by this gateway'],
    ['an HS256 secret without secret', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm: 'HS256' }] }] }, 'consumers[a].jwt_secrets[iss].secret: required for HS256'],
    ['an RS256 secret without key', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm: 'RS256', secret: 'x' }] }] }, 'consumers[a].jwt_secrets[iss].rsa_public_key: required field missing'],
    ['an RS256 secret with a broken key', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm: 'RS256', rsa_public_key: 'not a pem' }] }] }, 'consumers[a].jwt_secrets[iss].rsa_public_key: invalid key for RS256'],
    ['PS256', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm: 'PS256', rsa_public_key: 'x' }] }] }, 'consumers[a].jwt_secrets[iss].algorithm: is not implemented by this gateway'],
    ['an unknown algorithm', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm: 'none', secret: 'x' }] }] }, 'consumers[a].jwt_secrets[iss].algorithm: expected one of'],
    ['duplicate jwt keys', { _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', secret: 'x' }] }, { username: 'b', jwt_secrets: [{ key: 'iss', secret: 'y' }] }] }, 'consumers[b].jwt_secrets[iss]: key is already used by consumers[a].jwt_secrets[iss]'],
    ['an auth plugin on a consumer', { _format_version: '3.0', consumers: [{ username: 'a' }], plugins: [{ name: 'authy', consumer: 'a' }] }, ''],
  ];

  for (const [what, doc, expected] of cases.filter(([, , e]) => e !== '')) {
    it(`rejects ${what}`, () => {
      const found = problems(doc);
      const matches = found.some((p) => (typeof expected === 'string' ? p.includes(expected) : expected.test(p)));
      expect(matches, `expected ${String(expected)} among:\n${found.join('\n')}`).toBe(true);
    });
  }

  it('reports every problem at once, one line each', () => {
    const found = problems({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://h', foo: 1 }, { name: 't', url: 'http://h', routes: [{ name: 'r', paths: ['x'] }] }],
      plugins: [{ name: 'nope' }],
    });
    expect(found).toHaveLength(3);
  });

  it('refuses auth plugins (jwt, key-auth, acl, cors) on a consumer, as Kong 3.10 has no consumer field for them', () => {
    const jwtLike: PluginDefinition = { ...authy, name: 'jwt' };
    expect(() =>
      parseKongConfig(stringify({ _format_version: '3.0', consumers: [{ username: 'a', plugins: [{ name: 'jwt' }] }] }), 't', { definitions: [jwtLike] }),
    ).toThrow('consumers[a].plugins[jwt]: the jwt plugin cannot be applied to a consumer');
  });

  it('names the file and does not print key-auth keys', () => {
    try {
      parseKongConfig(stringify({ _format_version: '3.0', keyauth_credentials: [{ consumer: 'ghost', key: 'super-secret-key' }] }), '/etc/kong.yml', { definitions });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('/etc/kong.yml');
      expect((err as Error).message).not.toContain('super-secret-key');
    }
  });

  it('says when the file cannot be read', () => {
    expect(() => loadKongConfig('/nonexistent/kong.yml')).toThrow(/cannot read the file \(ENOENT\)/);
  });
});

describe('jwt_secrets with asymmetric keys', () => {
  it('accepts a matching public key and rejects one of the wrong type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const doc = (algorithm: string, key: string) => ({ _format_version: '3.0', consumers: [{ username: 'a', jwt_secrets: [{ key: 'iss', algorithm, rsa_public_key: key }] }] });
    expect(load(doc('RS256', rsa)).config.index.jwtSecretByKey('iss')?.rsaPublicKey).toBe(rsa);
    expect(load(doc('ES256', ec)).config.index.jwtSecretByKey('iss')?.algorithm).toBe('ES256');
    expect(problems(doc('ES256', rsa))).toEqual(['consumers[a].jwt_secrets[iss].rsa_public_key: invalid key for ES256']);
  });
});

describe("the platform's kong/kong.yml", () => {
  const template = readFileSync(new URL('../../kong/kong.yml', import.meta.url), 'utf8');

  it('loads with every plugin it uses once its decK placeholders are rendered', () => {
    const privatePem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const apiKeys = { user: 'k-user-0123456789', file: 'k-file-0123456789', sync: 'k-sync-0123456789', notification: 'k-notification-0123' };
    const { config } = parseKongConfig(renderDeckTemplate(template, kongTemplateVars(privatePem, apiKeys)), 'kong/kong.yml');
    expect(config.routes.length).toBeGreaterThan(10);
    expect(config.routes.every((r) => r.prefixPaths.every((p) => p.startsWith('/KONGAPI/api/v1/')))).toBe(true);
    expect(config.index.keyAuthByKey('k-user-0123456789')).toBeDefined();
  });

  it('is refused as it is committed, naming the placeholder to render', () => {
    expect(() => parseKongConfig(template, 'kong/kong.yml')).toThrow(/decK placeholders .*DECK_/);
  });
});
