// Which plugin configs run, in which order: Kong's priorities and its "most specific wins" rule,
// with consumer-scoped configs resolved after an auth plugin has set the consumer.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { parseKongConfig } from '../src/declarative/load-kong-config.ts';
import { GatewayError, type PluginDefinition, type RequestContext } from '../src/plugins/plugin.ts';
import { createPluginRunner, PluginAccessError } from '../src/plugins/runner.ts';
import { createLogger } from '@platform/shared/logger';
import { Registry } from 'prom-client';

type Seen = { calls: string[] };

/** A plugin that records `<name>:<config.tag>` when its access runs; `act` says what it then does. */
function recorder(name: string, priority: number, seen: Seen): PluginDefinition {
  return {
    name,
    priority,
    schema: z.object({ tag: z.string().default('-'), act: z.enum(['none', 'login', 'deny', 'handle', 'async']).default('none') }).strict(),
    create: (config: { tag: string; act: string }, env) => ({
      access(ctx: RequestContext) {
        seen.calls.push(`${name}:${config.tag}`);
        if (config.act === 'login') ctx.consumer = env.consumers.byIdOrUsername('ann');
        if (config.act === 'deny') throw new GatewayError(401, 'Unauthorized', { code: 'AUTH_001' });
        if (config.act === 'handle') return 'handled';
        if (config.act === 'async') return new Promise<void>((resolve) => setTimeout(resolve, 5));
        return undefined;
      },
      headerFilter() {
        seen.calls.push(`${name}:header`);
      },
    }),
  };
}

function setup(doc: Record<string, unknown>) {
  const seen: Seen = { calls: [] };
  const definitions = [recorder('auth', 1450, seen), recorder('limit', 910, seen), recorder('early', 2000, seen), recorder('late', 10, seen)];
  const { config } = parseKongConfig(stringify({ _format_version: '3.0', ...doc }), 't', { definitions });
  const env = { logger: createLogger({ service: 'test', silent: true }), consumers: config.index, metrics: new Registry() };
  const runner = createPluginRunner(config, definitions, env);
  const route = config.routes[0];
  if (!route) throw new Error('no route');
  const plan = runner.planFor(route.id);
  const ctx = { route, upstream: { headers: {} }, responseHeaders: {}, shared: new Map() } as unknown as RequestContext;
  return { seen, run: () => runner.access(ctx, plan), ctx, plan };
}

const service = (routePlugins: unknown[] = [], servicePlugins: unknown[] = []) => ({
  services: [{ name: 'svc', url: 'http://h', plugins: servicePlugins, routes: [{ name: 'r', paths: ['/r'], plugins: routePlugins }] }],
  consumers: [{ username: 'ann' }, { username: 'bob' }],
});

describe('plugin runner', () => {
  it('runs access handlers by priority, highest first', async () => {
    const { seen, run } = setup({ ...service([{ name: 'late' }, { name: 'limit' }, { name: 'auth' }]), plugins: [{ name: 'early' }] });
    const outcome = await run();
    expect(seen.calls).toEqual(['early:-', 'auth:-', 'limit:-', 'late:-']);
    expect(outcome.handled).toBe(false);
  });

  it('picks the most specific config per plugin: route over service over global', async () => {
    const a = setup({ ...service([{ name: 'limit', config: { tag: 'route' } }], [{ name: 'limit', config: { tag: 'service' } }]), plugins: [{ name: 'limit', config: { tag: 'global' } }] });
    await a.run();
    expect(a.seen.calls).toEqual(['limit:route']);
    const b = setup({ ...service([], [{ name: 'limit', config: { tag: 'service' } }]), plugins: [{ name: 'limit', config: { tag: 'global' } }] });
    await b.run();
    expect(b.seen.calls).toEqual(['limit:service']);
  });

  it('applies consumer-scoped configs once an auth plugin has set the consumer', async () => {
    const { seen, run } = setup({
      ...service([{ name: 'auth', config: { act: 'login' } }, { name: 'limit', config: { tag: 'route' } }]),
      plugins: [
        { name: 'limit', consumer: 'ann', config: { tag: 'ann' } },
        { name: 'limit', consumer: 'bob', config: { tag: 'bob' } },
        { name: 'early', consumer: 'ann', config: { tag: 'ann' } },
        { name: 'early', config: { tag: 'global' } },
      ],
    });
    await run();
    // early (2000) runs before auth (1450): resolved without a consumer. limit (910) sees ann.
    expect(seen.calls).toEqual(['early:global', 'auth:-', 'limit:ann']);
  });

  it('ranks route+consumer above consumer alone', async () => {
    const { seen, run } = setup({
      ...service([{ name: 'auth', config: { act: 'login' } }]),
      plugins: [
        { name: 'limit', consumer: 'ann', config: { tag: 'consumer' } },
        { name: 'limit', consumer: 'ann', route: 'r', config: { tag: 'route+consumer' } },
      ],
    });
    await run();
    expect(seen.calls).toEqual(['auth:-', 'limit:route+consumer']);
  });

  it('stops at a GatewayError but still collects the remaining plugins for header_filter and log', async () => {
    const { seen, run } = setup({ ...service([{ name: 'auth', config: { act: 'deny' } }, { name: 'limit' }, { name: 'late' }]) });
    let caught: unknown;
    try {
      await run();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PluginAccessError);
    const { error, active } = caught as PluginAccessError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(active.map((p) => p.name)).toEqual(['auth', 'limit', 'late']);
    expect(seen.calls).toEqual(['auth:-']);
  });

  it('stops when a plugin answered by itself', async () => {
    const { seen, run } = setup({ ...service([{ name: 'early', config: { act: 'handle' } }, { name: 'auth' }]) });
    const outcome = await run();
    expect(outcome.handled).toBe(true);
    expect(seen.calls).toEqual(['early:-']);
    expect(outcome.active.map((p) => p.name)).toEqual(['early', 'auth']);
  });

  it('awaits asynchronous handlers in order, and stays synchronous when none is', async () => {
    const a = setup({ ...service([{ name: 'early', config: { act: 'async' } }, { name: 'late' }]) });
    const pending = a.run();
    expect(pending).toBeInstanceOf(Promise);
    expect(a.seen.calls).toEqual(['early:-']);
    await pending;
    expect(a.seen.calls).toEqual(['early:-', 'late:-']);
    const b = setup({ ...service([{ name: 'late' }]) });
    expect(b.run()).not.toBeInstanceOf(Promise);
  });

  it('marks a route whose plugins may answer or filter, so the proxy prepares only then', () => {
    expect(setup({ ...service([{ name: 'late' }]) }).plan).toMatchObject({ hasAccess: true, mayFilterBody: false });
  });

  it('leaves disabled plugins out', async () => {
    const { seen, run } = setup({ ...service([{ name: 'limit', enabled: false }, { name: 'late' }]) });
    await run();
    expect(seen.calls).toEqual(['late:-']);
  });
});
