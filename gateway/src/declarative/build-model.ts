// Turns validated entities into the gateway's model: Kong's defaults applied, references resolved,
// uniqueness checked, and every plugin config parsed by its plugin's schema.
import { createPublicKey } from 'node:crypto';
import type { PluginDefinition } from '../plugins/plugin.ts';
import type { CollectedEntities, CollectedPlugin } from './collect-entities.ts';
import { NOT_IMPLEMENTED, type Reference } from './entity-schemas.ts';
import { buildConsumerIndex } from './consumer-index.ts';
import type { Consumer, GatewayConfig, JwtSecret, KeyAuthCredential, PluginConfig, Protocol, Route, Service } from './model.ts';
import { isRecord, withoutNulls, type Problems } from './problems.ts';

// Kong's schemas of these plugins have no `consumer` field: they cannot be scoped to a consumer.
const NO_CONSUMER_PLUGINS = new Set(['acl', 'cors', 'jwt', 'key-auth']);

/** Kong 2.x files wrote regex paths without `~`; Kong 3 migrates any path outside this set to a regex. */
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

type Lookup = { byId: Map<string, string>; byName: Map<string, string> };

function lookup(entities: { id: string; names: (string | undefined)[] }[]): Lookup {
  const byId = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const e of entities) {
    byId.set(e.id, e.id);
    for (const name of e.names) if (name) byName.set(name, e.id);
  }
  return { byId, byName };
}

function resolve(ref: Reference | { id: string } | undefined, table: Lookup): string | undefined | null {
  if (ref === undefined) return undefined;
  const key = typeof ref === 'string' ? ref : 'id' in ref ? ref.id : 'name' in ref ? ref.name : ref.username;
  return table.byId.get(key) ?? table.byName.get(key) ?? null;
}

const refText = (ref: Reference | { id: string }) => (typeof ref === 'string' ? ref : JSON.stringify(ref));

/** Reports duplicates of `key` among items (Kong's unique constraints). */
function unique<T>(items: T[], key: (item: T) => string | undefined, where: (item: T) => string, what: string, problems: Problems) {
  const seen = new Map<string, string>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const first = seen.get(k);
    if (first) problems.add(where(item), `${what} is already used by ${first}`);
    else seen.set(k, where(item));
  }
}

export type BuildOptions = { formatVersion: string; definitions: readonly PluginDefinition[]; warn: (message: string) => void };

export function buildModel(entities: CollectedEntities, problems: Problems, options: BuildOptions): GatewayConfig {
  const { definitions, warn } = options;

  // Services ------------------------------------------------------------------------------------
  const services: Service[] = [];
  const disabledServices = new Set<string>();
  for (const { input, label, id } of entities.services) {
    let protocol: string = input.protocol ?? 'http';
    let host = input.host;
    let port = input.port;
    let path = input.path;
    if (input.url !== undefined) {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        problems.add(`${label}.url`, `invalid url '${input.url}'`);
        continue;
      }
      protocol = url.protocol.slice(0, -1);
      host = url.hostname.replace(/^\[|\]$/g, '');
      port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
      path = url.pathname;
    }
    if (protocol !== 'http' && protocol !== 'https') {
      problems.add(`${label}.protocol`, `'${protocol}' ${NOT_IMPLEMENTED} (http and https only)`);
      continue;
    }
    if (!host) {
      problems.add(`${label}.host`, 'required field missing');
      continue;
    }
    if (!input.enabled) disabledServices.add(id);
    services.push({
      id,
      name: input.name ?? id,
      protocol,
      host,
      port: port ?? 80,
      path: path ?? '/',
      retries: input.retries,
      connectTimeoutMs: input.connect_timeout,
      readTimeoutMs: input.read_timeout,
      writeTimeoutMs: input.write_timeout,
    });
  }
  unique(entities.services, (s) => s.input.name, (s) => s.label, 'name', problems);
  unique(entities.services, (s) => s.id, (s) => s.label, 'id', problems);
  const serviceLookup = lookup(entities.services.map((s) => ({ id: s.id, names: [s.input.name] })));

  // Routes --------------------------------------------------------------------------------------
  const routes: Route[] = [];
  for (const { input, label, id, service } of entities.routes) {
    const serviceId = resolve(service, serviceLookup);
    if (serviceId === null) problems.add(`${label}.service`, `references unknown service '${refText(service as Reference)}'`);
    const unsupported = input.protocols.filter((p) => p !== 'http' && p !== 'https');
    if (unsupported.length) problems.add(`${label}.protocols`, `'${unsupported.join("', '")}' ${NOT_IMPLEMENTED} (http and https only)`);
    if (!input.methods?.length && !input.hosts?.length && !input.paths?.length) {
      problems.add(label, "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http' or 'https'");
    }
    if (input.path_handling === 'v1') {
      warn(`${label}.path_handling: v1 behaves as v0, as on Kong 3.10's default traditional_compatible router`);
    }
    const prefixPaths: string[] = [];
    const regexPaths: RegExp[] = [];
    (input.paths ?? []).forEach((written, i) => {
      const raw = options.formatVersion !== '3.0' && !written.startsWith('~') && !PLAIN_PATH.test(written) ? `~${written}` : written;
      if (!raw.startsWith('~')) return void prefixPaths.push(raw);
      try {
        // Anchored at the start like Kong's router; PCRE's (?P<name>) is JavaScript's (?<name>).
        regexPaths.push(new RegExp(`^(?:${raw.slice(1).replaceAll('(?P<', '(?<')})`));
      } catch (err) {
        problems.add(`${label}.paths[${i}]`, `invalid regex: '${raw.slice(1)}' (${(err as Error).message})`);
      }
    });
    if (!serviceId || disabledServices.has(serviceId)) continue;
    routes.push({
      id,
      name: input.name ?? id,
      serviceId,
      prefixPaths,
      regexPaths,
      methods: input.methods?.length ? [...new Set(input.methods)] : null,
      hosts: input.hosts?.length ? input.hosts.map((h) => h.toLowerCase()) : null,
      stripPath: input.strip_path,
      preserveHost: input.preserve_host,
      regexPriority: input.regex_priority,
      protocols: input.protocols as Protocol[],
      pathHandling: input.path_handling,
      httpsRedirectStatusCode: input.https_redirect_status_code,
      requestBuffering: input.request_buffering,
      responseBuffering: input.response_buffering,
    });
  }
  unique(entities.routes, (r) => r.input.name, (r) => r.label, 'name', problems);
  unique(entities.routes, (r) => r.id, (r) => r.label, 'id', problems);
  const routeLookup = lookup(entities.routes.map((r) => ({ id: r.id, names: [r.input.name] })));

  // Consumers and credentials -------------------------------------------------------------------
  const consumers: Consumer[] = entities.consumers.map(({ input, id }) => ({
    id,
    ...(input.username !== undefined && { username: input.username }),
    ...(input.custom_id !== undefined && { customId: input.custom_id }),
    tags: input.tags ?? [],
  }));
  unique(entities.consumers, (c) => c.input.username, (c) => c.label, 'username', problems);
  unique(entities.consumers, (c) => c.input.custom_id, (c) => c.label, 'custom_id', problems);
  unique(entities.consumers, (c) => c.id, (c) => c.label, 'id', problems);
  const consumerLookup = lookup(entities.consumers.map((c) => ({ id: c.id, names: [c.input.username, c.input.custom_id] })));

  const consumerOf = (ref: Reference | { id: string } | undefined, label: string): string | undefined => {
    const id = resolve(ref, consumerLookup);
    if (id === null) problems.add(`${label}.consumer`, `references unknown consumer '${refText(ref as Reference)}'`);
    return id ?? undefined;
  };

  const jwtSecrets: JwtSecret[] = [];
  for (const { input, label, id, consumer } of entities.jwtSecrets) {
    const consumerId = consumerOf(consumer, label);
    const symmetric = input.algorithm.startsWith('HS');
    if (symmetric && !input.secret) problems.add(`${label}.secret`, `required for ${input.algorithm}`);
    if (!symmetric) {
      if (!input.rsa_public_key) problems.add(`${label}.rsa_public_key`, `required field missing (algorithm ${input.algorithm})`);
      else if (!publicKeyFits(input.rsa_public_key, input.algorithm)) problems.add(`${label}.rsa_public_key`, `invalid key for ${input.algorithm}`);
    }
    if (!consumerId) continue;
    jwtSecrets.push({
      id,
      consumerId,
      key: input.key,
      algorithm: input.algorithm,
      ...(input.secret !== undefined && { secret: input.secret }),
      ...(input.rsa_public_key !== undefined && { rsaPublicKey: input.rsa_public_key }),
    });
  }
  unique(entities.jwtSecrets, (s) => s.input.key, (s) => s.label, 'key', problems);

  const keyAuths: KeyAuthCredential[] = [];
  for (const { input, label, id, consumer } of entities.keyAuths) {
    const consumerId = consumerOf(consumer, label);
    if (consumerId) keyAuths.push({ id, consumerId, key: input.key });
  }
  unique(entities.keyAuths, (k) => k.input.key, (k) => k.label, 'key', problems);

  const acls: { consumerId: string; group: string }[] = [];
  for (const { input, label, consumer } of entities.acls) {
    const consumerId = consumerOf(consumer, label);
    if (consumerId) acls.push({ consumerId, group: input.group });
  }
  unique(entities.acls, (a) => `${JSON.stringify(a.consumer)}|${a.input.group}`, (a) => a.label, 'group', problems);

  // Plugins -------------------------------------------------------------------------------------
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const plugins: PluginConfig[] = [];
  for (const collected of entities.plugins) {
    const plugin = buildPlugin(collected, byName, { serviceLookup, routeLookup, consumerLookup }, problems);
    if (plugin) plugins.push(plugin);
  }
  unique(
    plugins.map((p, i) => ({ p, label: entities.plugins.find((c) => c.id === p.id)?.label ?? `plugins[${i}]` })),
    ({ p }) => `${p.name}|${p.serviceId ?? ''}|${p.routeId ?? ''}|${p.consumerId ?? ''}`,
    ({ label }) => label,
    'the same plugin on the same service/route/consumer',
    problems,
  );

  return { services, routes, consumers, plugins, index: buildConsumerIndex(consumers, jwtSecrets, keyAuths, acls) };
}

function buildPlugin(
  { input, label, id, service, route, consumer }: CollectedPlugin,
  definitions: Map<string, PluginDefinition>,
  tables: { serviceLookup: Lookup; routeLookup: Lookup; consumerLookup: Lookup },
  problems: Problems,
): PluginConfig | undefined {
  const definition = definitions.get(input.name);
  if (!definition) {
    const known = [...definitions.keys()].sort().join(', ') || 'none';
    problems.add(label, `plugin '${input.name}' ${NOT_IMPLEMENTED} (implemented: ${known})`);
    return undefined;
  }
  const scope: Record<'service' | 'route' | 'consumer', string | undefined> = { service: undefined, route: undefined, consumer: undefined };
  const refs = { service: [service, tables.serviceLookup], route: [route, tables.routeLookup], consumer: [consumer, tables.consumerLookup] } as const;
  for (const kind of ['service', 'route', 'consumer'] as const) {
    const [ref, table] = refs[kind];
    const resolved = resolve(ref, table);
    if (resolved === null) problems.add(`${label}.${kind}`, `references unknown ${kind} '${refText(ref as Reference)}'`);
    else scope[kind] = resolved;
  }
  if (scope.consumer && NO_CONSUMER_PLUGINS.has(input.name)) {
    problems.add(label, `the ${input.name} plugin cannot be applied to a consumer (Kong's schema has no consumer field)`);
  }
  const raw = isRecord(input.config) ? withoutNulls(input.config) : {};
  const config = problems.parse(definition.schema, raw, `${label}.config`) as Record<string, unknown> | undefined;
  if (!config) return undefined;
  return {
    id,
    name: input.name,
    enabled: input.enabled,
    config,
    ...(input.protocols && { protocols: input.protocols as Protocol[] }),
    ...(scope.service && { serviceId: scope.service }),
    ...(scope.route && { routeId: scope.route }),
    ...(scope.consumer && { consumerId: scope.consumer }),
  };
}

function publicKeyFits(pem: string, algorithm: string): boolean {
  try {
    const type = createPublicKey(pem).asymmetricKeyType;
    if (algorithm.startsWith('RS')) return type === 'rsa';
    if (algorithm.startsWith('ES')) return type === 'ec';
    return type === 'ed25519' || type === 'ed448';
  } catch {
    return false;
  }
}
