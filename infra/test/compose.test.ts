// docker-compose.yml without Docker: valid against the Compose specification's schema
// (../shared/compose), and naming exactly the gateway and services the workspace has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type AnySchemaObject } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { devDefaults, DEV_ADMIN, DEV_SERVICE_SECRETS } from '../launcher/dev-env.ts';
import { discoverApps, GATEWAY_STATUS_PORT } from '../launcher/workspace.ts';

const root = new URL('../..', import.meta.url).pathname;

type ComposeService = {
  image?: string;
  command?: string[];
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  network_mode?: string;
  ports?: string[];
  profiles?: string[];
  volumes?: string[];
};
type Compose = { services: Record<string, ComposeService> };

const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
// Compose resolves YAML merge keys (<<: *app-env); so must the test.
const compose = parse(text, { merge: true }) as Compose;
const services = Object.entries(compose.services);
const built = services.filter(([, service]) => service.build);
const apps = discoverApps(root);

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = JSON.parse(readFileSync(join(root, '../shared/compose/compose-spec.json'), 'utf8')) as AnySchemaObject;
    expect(schema.$schema).toMatch(/draft-07/);
    // Ajv's default class is draft-07; the file's https:// meta-schema URL is not one Ajv registers.
    const { $schema: _meta, ...body } = schema;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(body);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('builds every workspace app from the one Dockerfile, and nothing that does not exist', () => {
    const builtDirs = built.map(([name, service]) => {
      expect(service.build?.dockerfile ?? 'Dockerfile', name).toBe('Dockerfile');
      expect(service.build?.context, name).toBe('.');
      return { name, dir: service.build?.args?.SERVICE };
    });
    expect(builtDirs.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      apps.map((app) => ({ name: app.name, dir: app.dir })).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('starts each app after healthy infra, checks its readiness and sends traces to Jaeger', () => {
    for (const [name, service] of built) {
      for (const infra of ['postgres', 'redis', 'rabbitmq']) {
        expect(service.depends_on?.[infra]?.condition, `${name} → ${infra}`).toBe('service_healthy');
      }
      expect(service.healthcheck?.test.join(' '), name).toContain('/api/v1/ready');
      expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toMatch(/^http:\/\/jaeger:431[78]$/);
      expect(service.environment?.OTEL_SERVICE_NAME, name).toBe(name);
    }
  });

  it('waits only on health checks that exist', () => {
    for (const [name, service] of services) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services[target], `${name} depends on unknown ${target}`).toBeDefined();
        if (condition === 'service_healthy') expect(compose.services[target]?.healthcheck, `${target} (needed by ${name})`).toBeDefined();
      }
    }
  });

  it('gives the apps the ports and development settings that npm start uses', () => {
    const published = compose.services['app-net']?.ports ?? [];
    for (const app of apps) {
      const service = compose.services[app.name];
      expect(service?.network_mode, app.name).toBe('service:app-net');
      const port = app.kind === 'gateway' ? GATEWAY_STATUS_PORT : app.port;
      expect(published, app.name).toContain(`${app.port}:${app.port}`);
      expect(service?.healthcheck?.test.join(' '), app.name).toContain(`127.0.0.1:${port}/`);
      const secret = DEV_SERVICE_SECRETS[app.name];
      if (secret) expect(service?.environment, app.name).toMatchObject({ SERVICE_CLIENT_ID: app.name, SERVICE_CLIENT_SECRET: secret });
      if (app.kind === 'service') expect(service?.environment?.PORT, app.name).toBe(String(app.port));
    }
    const auth = compose.services.auth;
    if (auth) {
      expect(auth.environment).toMatchObject({
        ADMIN_EMAIL: DEV_ADMIN.email,
        ADMIN_PASSWORD: DEV_ADMIN.password,
        SERVICE_ACCOUNTS: devDefaults(root).SERVICE_ACCOUNTS,
      });
    }
  });

  it('offers real Kong 3.10, DB-less on kong/kong.yml rendered with the dev keys, behind the kong profile', () => {
    const kong = compose.services.kong;
    expect(kong?.profiles).toEqual(['kong']);
    expect(kong?.image).toBe('kong:3.10');
    expect(kong?.environment).toMatchObject({ KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: '/kong/kong.yml' });
    expect(kong?.volumes).toContain('kong-config:/kong:ro');
    expect(kong?.depends_on?.['dev-keys']?.condition).toBe('service_completed_successfully');
    expect(kong?.network_mode).toBe('service:app-net');
  });

  it('generates the development keys once, before auth and Kong start, instead of committing them', () => {
    const devKeys = compose.services['dev-keys'];
    expect(devKeys?.command).toEqual(['node', 'infra/launcher/dev-keys.ts', '--keys', '/dev-keys', '--kong-out', '/kong-config/kong.yml']);
    expect(devKeys?.volumes).toEqual(expect.arrayContaining(['dev-keys:/dev-keys', 'kong-config:/kong-config', './kong:/repo/kong:ro']));
    const auth = compose.services.auth;
    if (auth) {
      expect(auth.environment?.JWT_PRIVATE_KEY_FILE).toBe('/keys/jwt-private.pem');
      expect(auth.volumes).toContain('dev-keys:/keys:ro');
      expect(auth.depends_on?.['dev-keys']?.condition).toBe('service_completed_successfully');
    }
    expect(text).not.toContain('infra/dev-keys');
  });
});
