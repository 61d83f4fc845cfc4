import { describe, expect, it } from 'vitest';
import { CORRELATION_ID, correlationIdPlugin } from '../src/plugins/correlation-id.ts';
import type { PluginHandlers } from '../src/plugins/plugin.ts';
import { fakeContext, type FakeContextOptions } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function run(plugin: PluginHandlers, options: FakeContextOptions = {}) {
  const ctx = fakeContext(options);
  plugin.access!(ctx);
  const upstream = { statusCode: 200, headers: { 'x-request-id': 'from-upstream' } as Record<string, string> };
  plugin.headerFilter!(ctx, upstream);
  return { ctx, upstream: ctx.upstream.headers, response: upstream.headers };
}

describe('correlation-id', () => {
  it("has Kong 3.10's defaults: Kong-Request-ID, uuid#counter, no echo", () => {
    expect(correlationIdPlugin.schema.parse({})).toEqual({ header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false });
    expect(correlationIdPlugin.schema.safeParse({ generator: 'ulid' }).success).toBe(false);
    expect(correlationIdPlugin.schema.safeParse({ prefix: 'x' }).success).toBe(false);
  });

  it('uuid#counter: one uuid per process and a counter, sent upstream only', () => {
    const plugin = instantiate(correlationIdPlugin, {});
    const first = run(plugin);
    const second = run(plugin);
    const a = first.upstream['kong-request-id'] as string;
    const b = second.upstream['kong-request-id'] as string;
    const [uuidA, countA] = a.split('#');
    const [uuidB, countB] = b.split('#');
    expect(uuidA).toMatch(UUID);
    expect(uuidB).toBe(uuidA);
    expect(Number(countB)).toBe(Number(countA) + 1);
    expect(first.response).toEqual({ 'x-request-id': 'from-upstream' });
    expect(first.ctx.responseHeaders).toEqual({});
    expect(first.ctx.shared.get(CORRELATION_ID)).toBe(a);
  });

  it('keeps the id the client sent (any case of the header name); an empty one is replaced', () => {
    const plugin = instantiate(correlationIdPlugin, { header_name: 'X-Request-ID', generator: 'uuid', echo_downstream: true });
    const kept = run(plugin, { headers: { 'x-REQUEST-id': 'client-id-1' } });
    expect(kept.upstream['x-request-id']).toBe('client-id-1');
    expect(kept.response['x-request-id']).toBe('client-id-1');
    const replaced = run(plugin, { headers: { 'X-Request-ID': '' } });
    expect(replaced.upstream['x-request-id']).toMatch(UUID);
  });

  it('echo_downstream: the id replaces the upstream header and is set for the gateway own answers', () => {
    const plugin = instantiate(correlationIdPlugin, { header_name: 'X-Request-ID', generator: 'uuid', echo_downstream: true });
    const { ctx, upstream, response } = run(plugin);
    const id = upstream['x-request-id'] as string;
    expect(id).toMatch(UUID);
    expect(response['x-request-id']).toBe(id);
    expect(ctx.responseHeaders).toEqual({ 'x-request-id': id });
  });

  it('header_filter without access (the request was answered before): client header, else a new id', () => {
    const plugin = instantiate(correlationIdPlugin, { header_name: 'X-Request-ID', generator: 'uuid', echo_downstream: true });
    const ctx = fakeContext({ headers: { 'x-request-id': 'abc' } });
    const upstream = { statusCode: 404, headers: {} as Record<string, string> };
    plugin.headerFilter!(ctx, upstream);
    expect(upstream.headers['x-request-id']).toBe('abc');
    const bare = fakeContext();
    plugin.headerFilter!(bare, upstream);
    expect(upstream.headers['x-request-id']).toMatch(UUID);
  });

  it('tracker: server address, port, pid, connection serial, requests on it, time', () => {
    const plugin = instantiate(correlationIdPlugin, { generator: 'tracker' });
    const { upstream } = run(plugin);
    expect(upstream['kong-request-id']).toMatch(new RegExp(`^.*-.*-${process.pid}-\\d+-1-\\d+\\.\\d{3}$`));
  });
});
