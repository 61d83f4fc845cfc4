// kong/kong.yml against decK's schema of the declarative format and Kong 3.10's plugin schemas
// (both in ../shared/kong), plus the promises the rest of the platform relies on.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type AnySchemaObject } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SERVICE_PORTS } from '../launcher/workspace.ts';

const root = new URL('../..', import.meta.url).pathname;
const kongSchemas = join(root, '../shared/kong');
const pluginSchemaDir = join(kongSchemas, 'plugin-schemas-3.10');

type Plugin = { name: string; config?: Record<string, unknown>; [key: string]: unknown };
type Route = { name: string; paths: string[]; strip_path?: boolean; plugins?: Plugin[] };
type Service = { name: string; url: string; routes?: Route[]; plugins?: Plugin[] };
type JwtSecret = { key: string; algorithm: string; rsa_public_key?: string };
type Consumer = { username: string; jwt_secrets?: JwtSecret[]; plugins?: Plugin[] };
type KongConfig = { _format_version: string; services: Service[]; consumers: Consumer[]; plugins?: Plugin[] };

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as AnySchemaObject;
const config = parse(readFileSync(join(root, 'kong/kong.yml'), 'utf8')) as KongConfig;
const routes = config.services.flatMap((service) => (service.routes ?? []).map((route) => ({ service, route })));

function allPlugins(): { where: string; plugin: Plugin }[] {
  return [
    ...(config.plugins ?? []).map((plugin) => ({ where: 'global', plugin })),
    ...config.services.flatMap((s) => (s.plugins ?? []).map((plugin) => ({ where: `service ${s.name}`, plugin }))),
    ...routes.flatMap(({ route }) => (route.plugins ?? []).map((plugin) => ({ where: `route ${route.name}`, plugin }))),
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

describe('kong/kong.yml', () => {
  it('is a valid Kong 3 declarative file (decK schema, draft-04)', () => {
    const Ajv04 = ajvDraft04.default;
    const validate = new Ajv04({ allErrors: true, strict: false }).compile(readJson(join(kongSchemas, 'kong_json_schema.json')));
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(config._format_version).toBe('3.0');
  });

  it('gives every plugin a config that Kong 3.10 accepts, without unknown fields', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addVocabulary(['x-encrypted', 'x-referenceable']); // Kong's annotations, not constraints
    const plugins = allPlugins();
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

  it('routes only under /KONGAPI/api/v1 and sends each route to the same path on a known local service', () => {
    expect(routes.length).toBeGreaterThan(0);
    const knownPorts = new Set(Object.values(SERVICE_PORTS));
    for (const { service, route } of routes) {
      const upstream = new URL(service.url);
      expect(upstream.hostname, service.name).toBe('127.0.0.1');
      expect(knownPorts.has(Number(upstream.port)), `${service.name} port ${upstream.port}`).toBe(true);
      expect(route.strip_path, route.name).toBe(true);
      for (const path of route.paths) {
        expect(path.startsWith('/KONGAPI/api/v1/'), path).toBe(true);
        expect(path.slice('/KONGAPI'.length), route.name).toBe(upstream.pathname);
      }
    }
  });

  it('protects every non-public route with the jwt plugin capped at 15-minute tokens', () => {
    for (const { route } of routes) {
      const jwt = route.plugins?.find((p) => p.name === 'jwt');
      const isPublic = route.paths.every((path) => path.startsWith('/KONGAPI/api/v1/public/'));
      if (isPublic) {
        expect(jwt, route.name).toBeUndefined();
        expect(route.plugins?.find((p) => p.name === 'rate-limiting')?.config, route.name).toMatchObject({ limit_by: 'ip' });
      } else {
        expect(jwt?.config, route.name).toMatchObject({ key_claim_name: 'iss', claims_to_verify: ['exp'], maximum_expiration: 900 });
      }
    }
  });

  it('sets X-Request-ID and CORS for every route', () => {
    const global = new Map((config.plugins ?? []).map((p) => [p.name, p.config]));
    expect(global.get('correlation-id')).toMatchObject({ header_name: 'X-Request-ID' });
    expect(global.has('cors')).toBe(true);
  });

  it('verifies tokens with the public half of the development signing key', () => {
    const secret = config.consumers.find((c) => c.username === 'platform-auth')?.jwt_secrets?.[0];
    expect(secret).toMatchObject({ key: 'platform-auth', algorithm: 'RS256' });
    const inKong = createPublicKey(secret?.rsa_public_key ?? '');
    const inRepo = createPublicKey(readFileSync(join(root, 'infra/dev-keys/jwt-dev-public.pem')));
    expect(inKong.export({ format: 'jwk' })).toEqual(inRepo.export({ format: 'jwk' }));

    const privateKey = createPrivateKey(readFileSync(join(root, 'infra/dev-keys/jwt-dev-private.pem')));
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signature = sign('sha256', Buffer.from('payload'), privateKey);
    expect(verify('sha256', Buffer.from('payload'), inKong, signature)).toBe(true);
  });
});
