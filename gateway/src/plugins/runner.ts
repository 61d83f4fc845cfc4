// Which plugin configs run on a request, and in what order, as Kong decides it:
// - per plugin name the most specific config wins (Kong's plugins iterator, most specific first):
//   route+service+consumer > route+consumer > service+consumer > route+service > consumer > route > service > global;
// - plugins run by priority, highest first; each plugin's config is resolved when its turn comes,
//   so the plugins after an auth plugin see the consumer it set (consumer-scoped configs apply);
// - once a plugin answers (GatewayError or 'handled'), the rest are still collected, without
//   running their access handler, so their header_filter and log phases run on that answer too
//   (Kong's collecting iterator does the same).
// Everything that depends only on the route is computed at load; a request without
// consumer-scoped configs on its route allocates nothing here.
import type { GatewayConfig, PluginConfig, Route } from '../declarative/model.ts';
import type { PluginDefinition, PluginEnv, PluginHandlers, RequestContext } from './plugin.ts';

export type PluginInstance = {
  name: string;
  priority: number;
  handlers: PluginHandlers;
  consumerId: string | undefined;
  config: PluginConfig;
};

type Slot = { name: string; priority: number; candidates: PluginInstance[] };

export type RoutePlan = {
  slots: Slot[];
  /** The instances when no candidate depends on the consumer (the common case), else null. */
  fixed: PluginInstance[] | null;
  /** Any candidate with a body_filter: that route's responses are buffered. */
  mayFilterBody: boolean;
  /** Any candidate with an access handler (only then can a plugin answer by itself). */
  hasAccess: boolean;
};

export type AccessOutcome = { active: PluginInstance[]; handled: boolean };

// Higher is more specific; bits: route 4, service 2, consumer 1, but Kong ranks consumer combos first.
const RANK: Record<string, number> = { rsc: 8, rc: 7, sc: 6, rs: 5, c: 4, r: 3, s: 2, '': 1 };
const rankOf = (p: PluginConfig) => RANK[`${p.routeId ? 'r' : ''}${p.serviceId ? 's' : ''}${p.consumerId ? 'c' : ''}`] ?? 0;

const appliesTo = (p: PluginConfig, route: Route) =>
  (!p.routeId || p.routeId === route.id) &&
  (!p.serviceId || p.serviceId === route.serviceId) &&
  (!p.protocols || p.protocols.includes('http') || p.protocols.includes('https'));

export type PluginRunner = {
  planFor(routeId: string): RoutePlan;
  /** Runs the access phase; throws the GatewayError a plugin threw (with `active` attached for the later phases). */
  access(ctx: RequestContext, plan: RoutePlan): AccessOutcome | Promise<AccessOutcome>;
  instances: PluginInstance[];
};

export class PluginAccessError extends Error {
  override readonly name = 'PluginAccessError';
  readonly error: unknown;
  readonly active: PluginInstance[];
  constructor(error: unknown, active: PluginInstance[]) {
    super('plugin access failed', { cause: error });
    this.error = error;
    this.active = active;
  }
}

const pick = (slot: Slot, consumerId: string | undefined): PluginInstance | undefined => {
  for (const c of slot.candidates) if (c.consumerId === undefined || c.consumerId === consumerId) return c;
  return undefined;
};

/** Every plugin that applies to a request with this consumer (for a plugin that answered mid-access). */
export function collectPlugins(plan: RoutePlan, consumerId: string | undefined): PluginInstance[] {
  if (plan.fixed) return plan.fixed;
  const out: PluginInstance[] = [];
  for (const slot of plan.slots) {
    const instance = pick(slot, consumerId);
    if (instance) out.push(instance);
  }
  return out;
}

export function createPluginRunner(config: GatewayConfig, definitions: readonly PluginDefinition[], env: PluginEnv): PluginRunner {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const instances: PluginInstance[] = [];
  for (const p of config.plugins) {
    if (!p.enabled) continue;
    const definition = byName.get(p.name);
    if (!definition) throw new Error(`plugin ${p.name} has no definition`);
    instances.push({ name: p.name, priority: definition.priority, handlers: definition.create(p.config, env, p), consumerId: p.consumerId, config: p });
  }

  const plans = new Map<string, RoutePlan>();
  for (const route of config.routes) {
    const slots = new Map<string, Slot>();
    for (const instance of instances) {
      if (!appliesTo(instance.config, route)) continue;
      const slot = slots.get(instance.name) ?? { name: instance.name, priority: instance.priority, candidates: [] };
      slot.candidates.push(instance);
      slots.set(instance.name, slot);
    }
    const ordered = [...slots.values()].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
    for (const slot of ordered) slot.candidates.sort((a, b) => rankOf(b.config) - rankOf(a.config));
    const consumerFree = ordered.every((s) => s.candidates.every((c) => c.consumerId === undefined));
    const all = ordered.flatMap((s) => s.candidates);
    plans.set(route.id, {
      slots: ordered,
      fixed: consumerFree ? ordered.map((s) => s.candidates[0] as PluginInstance) : null,
      mayFilterBody: all.some((c) => c.handlers.bodyFilter),
      hasAccess: all.some((c) => c.handlers.access),
    });
  }
  const empty: RoutePlan = { slots: [], fixed: [], mayFilterBody: false, hasAccess: false };

  function access(ctx: RequestContext, plan: RoutePlan): AccessOutcome | Promise<AccessOutcome> {
    const fixed = plan.fixed;
    const active: PluginInstance[] = fixed ?? [];
    const count = plan.slots.length;

    // The rest of the slots after an answer: collected (for header_filter/log), not run.
    const collectRest = (from: number) => {
      if (fixed) return;
      for (let j = from; j < count; j++) {
        const instance = pick(plan.slots[j] as Slot, ctx.consumer?.id);
        if (instance) active.push(instance);
      }
    };

    const run = (from: number): AccessOutcome | Promise<AccessOutcome> => {
      for (let i = from; i < count; i++) {
        const instance = fixed ? (fixed[i] as PluginInstance) : pick(plan.slots[i] as Slot, ctx.consumer?.id);
        if (!instance) continue;
        if (!fixed) active.push(instance);
        const handler = instance.handlers.access;
        if (!handler) continue;
        let result: ReturnType<NonNullable<PluginHandlers['access']>>;
        try {
          result = handler(ctx);
        } catch (err) {
          collectRest(i + 1);
          throw new PluginAccessError(err, active);
        }
        if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
          return (result as Promise<void | 'handled'>).then(
            (value) => {
              if (value !== 'handled') return run(i + 1);
              collectRest(i + 1);
              return { active, handled: true };
            },
            (err: unknown) => {
              collectRest(i + 1);
              throw new PluginAccessError(err, active);
            },
          );
        }
        if (result === 'handled') {
          collectRest(i + 1);
          return { active, handled: true };
        }
      }
      return { active, handled: false };
    };
    return run(0);
  }

  return { planFor: (routeId) => plans.get(routeId) ?? empty, access, instances };
}
