import { describe, expect, it } from 'vitest';
import { GatewayError, type PluginHandlers } from '../src/plugins/plugin.ts';
import { requestTerminationPlugin } from '../src/plugins/request-termination.ts';
import { fakeContext, testRoute, testService, type FakeContextOptions } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

const issuesOf = (config: Record<string, unknown>) => requestTerminationPlugin.schema.safeParse(config).error?.issues.map((i) => i.message) ?? [];

async function run(plugin: PluginHandlers, options: FakeContextOptions = {}, body?: string) {
  const ctx = fakeContext(options);
  if (body !== undefined) {
    ctx.req.push(body);
    ctx.req.push(null);
  }
  try {
    const result = await plugin.access!(ctx);
    return { result, ctx, recorded: ctx.recorded, error: undefined };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { result: undefined, ctx, recorded: ctx.recorded, error };
  }
}

describe('request-termination config', () => {
  it("has Kong's defaults and custom validator", () => {
    expect(requestTerminationPlugin.schema.parse({})).toEqual({ status_code: 503, echo: false });
    expect(issuesOf({ message: 'x', body: 'y' })).toEqual(['message cannot be used with content_type or body']);
    expect(issuesOf({ content_type: 'text/plain' })).toEqual(['content_type requires a body']);
    expect(issuesOf({ echo: true, body: 'y' })).toEqual(['echo cannot be used with content_type and body']);
    expect(issuesOf({ status_code: 600 })).toHaveLength(1);
    expect(issuesOf({ trigger: 'x y' })[0]).toContain("bad header name 'x y'");
    expect(issuesOf({ echo_trigger: 'x' })[0]).toMatch(/Unrecognized key/);
  });
});

describe('request-termination', () => {
  it("answers 503 'Service unavailable' by default, as a platform error", async () => {
    const { error } = await run(instantiate(requestTerminationPlugin, {}));
    expect(error).toMatchObject({ status: 503, message: 'Service unavailable', code: 'EXT_002' });
  });

  it('uses the configured message and the code of the status', async () => {
    const { error } = await run(instantiate(requestTerminationPlugin, { status_code: 403, message: 'Blocked for maintenance' }));
    expect(error).toMatchObject({ status: 403, message: 'Blocked for maintenance', code: 'AUTH_003' });
    const notFound = await run(instantiate(requestTerminationPlugin, { status_code: 404 }));
    expect(notFound.error).toMatchObject({ status: 404, message: 'Not found', code: 'BIZ_001' });
  });

  it('a status without a default text and no message: an empty body', async () => {
    const { result, recorded } = await run(instantiate(requestTerminationPlugin, { status_code: 418 }));
    expect(result).toBe('handled');
    expect(recorded).toMatchObject({ statusCode: 418, ended: true });
    expect(recorded.body.length).toBe(0);
  });

  it('a raw body with its content type, keeping headers set by earlier plugins', async () => {
    const plugin = instantiate(requestTerminationPlugin, { status_code: 200, body: '<h1>Back soon</h1>', content_type: 'text/html' });
    const ctx = fakeContext();
    ctx.responseHeaders['X-RateLimit-Remaining-Minute'] = '4';
    expect(plugin.access!(ctx)).toBe('handled');
    expect(ctx.recorded.statusCode).toBe(200);
    expect(ctx.recorded.headers).toEqual({ 'x-ratelimit-remaining-minute': '4', 'content-type': 'text/html', 'content-length': '18' });
    expect(ctx.recorded.body.toString()).toBe('<h1>Back soon</h1>');
  });

  it('a message on a non-error status is sent as Kong sends it', async () => {
    const { recorded } = await run(instantiate(requestTerminationPlugin, { status_code: 200, message: 'ok' }));
    expect(recorded.statusCode).toBe(200);
    expect(JSON.parse(recorded.body.toString())).toEqual({ message: 'ok' });
  });

  it('with a trigger, only requests carrying it (header or query argument) are terminated', async () => {
    const plugin = instantiate(requestTerminationPlugin, { trigger: 'X-Debug_Me' });
    expect((await run(plugin)).error).toBeUndefined();
    expect((await run(plugin, { url: '/api/things?debug=1' })).error).toBeUndefined();
    expect((await run(plugin, { headers: { 'x-debug-me': '' } })).error?.status).toBe(503);
    expect((await run(plugin, { url: '/api/things?X-Debug_Me' })).error?.status).toBe(503);
  });

  it('echo: the request as Kong saw it, with the matched route and service', async () => {
    const plugin = instantiate(requestTerminationPlugin, { status_code: 404, echo: true });
    const { result, recorded } = await run(
      plugin,
      { method: 'POST', url: '/api/things?a=1&a=2&flag&q=x+y', headers: { host: 'api.test:8000', 'content-type': 'application/json', 'x-multi': ['1', '2'] } },
      '{"name":"n"}',
    );
    expect(result).toBe('handled');
    expect(recorded.statusCode).toBe(404);
    expect(recorded.headers['content-type']).toBe('application/json; charset=utf-8');
    const echoed = JSON.parse(recorded.body.toString());
    expect(echoed).toMatchObject({
      message: 'Not found',
      kong: { worker_pid: process.pid },
      request: {
        scheme: 'http',
        host: 'api.test',
        headers: { host: 'api.test:8000', 'content-type': 'application/json', 'x-multi': ['1', '2'] },
        query: { a: ['1', '2'], flag: true, q: 'x y' },
        body: { name: 'n' },
        raw_body: '{"name":"n"}',
        method: 'POST',
        path: '/api/things',
        uri_captures: { named: {}, unnamed: {} },
      },
      matched_route: { id: testRoute.id, name: testRoute.name, paths: ['/api'], strip_path: true, service: { id: testService.id } },
      matched_service: { id: testService.id, name: testService.name, host: '127.0.0.1', connect_timeout: 60000 },
    });
    expect(typeof echoed.kong.node_id).toBe('string');
  });

  it('echo does not include a body larger than Kong keeps in memory (8k)', async () => {
    const plugin = instantiate(requestTerminationPlugin, { echo: true });
    const { recorded } = await run(plugin, { method: 'POST', headers: { 'content-type': 'text/plain' } }, 'x'.repeat(9000));
    const echoed = JSON.parse(recorded.body.toString());
    expect(echoed.request.raw_body).toBeUndefined();
    expect(echoed.message).toBe('Service unavailable');
  });
});
