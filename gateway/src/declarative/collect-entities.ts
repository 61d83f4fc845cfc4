// Walks a declarative document (nested or flat, as Kong accepts both) into flat lists of validated
// entities, each with its label for messages and its references to other entities still unresolved.
import {
  aclSchema,
  consumerSchema,
  jwtSecretSchema,
  keyAuthSchema,
  pluginEntitySchema,
  routeSchema,
  serviceSchema,
  type AclInput,
  type ConsumerInput,
  type JwtSecretInput,
  type KeyAuthInput,
  type PluginInput,
  type Reference,
  type RouteInput,
  type ServiceInput,
} from './entity-schemas.ts';
import { isRecord, labelOf, withoutNulls, type Problems } from './problems.ts';
import { stableId } from './stable-id.ts';

type Ref = Reference | { id: string };

export type Collected<T> = { input: T; label: string; id: string };
export type CollectedRoute = Collected<RouteInput> & { service?: Ref };
export type CollectedCredential<T> = Collected<T> & { consumer?: Ref };
export type CollectedPlugin = Collected<PluginInput> & { service?: Ref; route?: Ref; consumer?: Ref };

export type CollectedEntities = {
  services: Collected<ServiceInput>[];
  routes: CollectedRoute[];
  consumers: Collected<ConsumerInput>[];
  jwtSecrets: CollectedCredential<JwtSecretInput>[];
  keyAuths: CollectedCredential<KeyAuthInput>[];
  acls: CollectedCredential<AclInput>[];
  plugins: CollectedPlugin[];
};

type Parent = { kind: 'service' | 'route' | 'consumer'; id: string; label: string };

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function collectEntities(doc: Record<string, unknown>, problems: Problems): CollectedEntities {
  const out: CollectedEntities = { services: [], routes: [], consumers: [], jwtSecrets: [], keyAuths: [], acls: [], plugins: [] };

  const entity = <T>(raw: unknown, list: string, index: number, nameOf: (r: Record<string, unknown>) => unknown) => {
    const label = labelOf(list, isRecord(raw) ? nameOf(raw) : undefined, index);
    if (!isRecord(raw)) {
      problems.add(label, 'expected an object');
      return undefined;
    }
    return { raw: withoutNulls(raw), label } as { raw: Record<string, unknown>; label: string } & { _?: T };
  };

  /** A nested entity may not also name its parent: Kong fills that reference in itself. */
  const noParentRef = (raw: Record<string, unknown>, label: string, field: string, parent?: Parent) => {
    if (parent?.kind === field && raw[field] !== undefined) problems.add(`${label}.${field}`, `cannot be set on an entity nested under a ${field}`);
  };

  const plugin = (raw: unknown, index: number, prefix: string, parent?: Parent) => {
    const e = entity(raw, `${prefix}plugins`, index, (r) => r.instance_name ?? r.name);
    if (!e) return;
    for (const field of ['service', 'route', 'consumer'] as const) noParentRef(e.raw, e.label, field, parent);
    const input = problems.parse(pluginEntitySchema, e.raw, e.label);
    if (!input) return;
    const scope = {
      service: input.service,
      route: input.route,
      consumer: input.consumer,
      ...(parent && { [parent.kind]: { id: parent.id } }),
    };
    const key = `${input.name}|${input.instance_name ?? ''}|${JSON.stringify(scope)}|${index}`;
    out.plugins.push({ input, label: e.label, id: input.id ?? stableId('plugin', `${prefix}${key}`), ...scope });
  };

  const credentials = <T>(
    list: unknown,
    name: 'jwt_secrets' | 'keyauth_credentials' | 'acls',
    prefix: string,
    into: CollectedCredential<T>[],
    parent?: Parent,
  ) => {
    const schema = { jwt_secrets: jwtSecretSchema, keyauth_credentials: keyAuthSchema, acls: aclSchema }[name];
    // key-auth keys are secrets: labelled by position, never by value.
    const nameOf = (r: Record<string, unknown>) => (name === 'jwt_secrets' ? r.key : name === 'acls' ? r.group : undefined);
    asList(list).forEach((raw, index) => {
      const e = entity(raw, `${prefix}${name}`, index, nameOf);
      if (!e) return;
      noParentRef(e.raw, e.label, 'consumer', parent);
      const input = problems.parse(schema, e.raw, e.label) as (T & { id?: string; consumer?: Reference }) | undefined;
      if (!input) return;
      const consumer = parent ? { id: parent.id } : input.consumer;
      const id = input.id ?? stableId(name, `${JSON.stringify(consumer)}|${index}|${nameOf(e.raw) ?? ''}`);
      if (!consumer) problems.add(`${e.label}.consumer`, 'required field missing (a top-level credential must name its consumer)');
      into.push({ input, label: e.label, id, consumer });
    });
  };

  const route = (raw: unknown, index: number, prefix: string, parent?: Parent) => {
    const e = entity(raw, `${prefix}routes`, index, (r) => r.name);
    if (!e) return;
    noParentRef(e.raw, e.label, 'service', parent);
    const input = problems.parse(routeSchema, e.raw, e.label);
    if (!input) return;
    const id = input.id ?? stableId('route', input.name ?? `${parent?.id ?? ''}#${index}`);
    const service = parent ? { id: parent.id } : input.service;
    if (!service) problems.add(`${e.label}.service`, 'required field missing (this gateway proxies every route to a service)');
    out.routes.push({ input, label: e.label, id, service });
    asList(input.plugins).forEach((p, i) => plugin(p, i, `${e.label}.`, { kind: 'route', id, label: e.label }));
  };

  asList(doc.services).forEach((raw, index) => {
    const e = entity(raw, 'services', index, (r) => r.name);
    if (!e) return;
    const input = problems.parse(serviceSchema, e.raw, e.label);
    if (!input) return;
    const id = input.id ?? stableId('service', input.name ?? `#${index}`);
    out.services.push({ input, label: e.label, id });
    const parent: Parent = { kind: 'service', id, label: e.label };
    asList(input.routes).forEach((r, i) => route(r, i, `${e.label}.`, parent));
    asList(input.plugins).forEach((p, i) => plugin(p, i, `${e.label}.`, parent));
  });
  asList(doc.routes).forEach((raw, index) => route(raw, index, ''));

  asList(doc.consumers).forEach((raw, index) => {
    const e = entity(raw, 'consumers', index, (r) => r.username ?? r.custom_id);
    if (!e) return;
    const input = problems.parse(consumerSchema, e.raw, e.label);
    if (!input) return;
    if (!input.username && !input.custom_id) {
      problems.add(e.label, "at least one of these fields must be non-empty: 'custom_id', 'username'");
    }
    const id = input.id ?? stableId('consumer', input.username ?? `custom_id:${input.custom_id ?? index}`);
    out.consumers.push({ input, label: e.label, id });
    const parent: Parent = { kind: 'consumer', id, label: e.label };
    credentials(input.jwt_secrets, 'jwt_secrets', `${e.label}.`, out.jwtSecrets, parent);
    credentials(input.keyauth_credentials, 'keyauth_credentials', `${e.label}.`, out.keyAuths, parent);
    credentials(input.acls, 'acls', `${e.label}.`, out.acls, parent);
    asList(input.plugins).forEach((p, i) => plugin(p, i, `${e.label}.`, parent));
  });
  credentials(doc.jwt_secrets, 'jwt_secrets', '', out.jwtSecrets);
  credentials(doc.keyauth_credentials, 'keyauth_credentials', '', out.keyAuths);
  credentials(doc.acls, 'acls', '', out.acls);
  asList(doc.plugins).forEach((p, i) => plugin(p, i, ''));
  return out;
}
