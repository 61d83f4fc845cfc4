// How the proxy drives plugin phases (with stand-in plugins, so this tests the core only):
// access edits reach the upstream, errors become the envelope with the plugins' headers, a plugin
// may answer by itself, header and body filters, and the log phase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GatewayError, type PluginDefinition } from '../src/plugins/plugin.ts';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';
import type { EchoRequest } from './support/echo-upstream.ts';

const logged: { route: string; status: number; requestSize: number; responseSize: number; upstreamLatencyMs: number | null }[] = [];

const empty = z.object({}).strict();
const definitions: PluginDefinition[] = [
  {
    // Like CORS: answers preflights itself before auth, adds a header to every answer.
    name: 'preflight',
    priority: 2000,
    schema: empty,
    create: () => ({
      access(ctx) {
        if (ctx.req.method !== 'OPTIONS') return;
        ctx.res.writeHead(204, { 'access-control-allow-methods': 'GET' });
        ctx.res.end();
        return 'handled';
      },
      headerFilter(_ctx, response) {
        response.headers['access-control-allow-origin'] = '*';
      },
    }),
  },
  {
    name: 'gatekeeper',
    priority: 1450,
    schema: z.object({ mode: z.enum(['deny', 'crash', 'async-deny', 'pass']).default('deny') }).strict(),
    create: (config: { mode: string }) => ({
      async access(ctx) {
        if (ctx.req.headers['x-pass'] === 'yes') return;
        if (config.mode === 'pass') return;
        if (config.mode === 'crash') throw new Error('bug in plugin');
        if (config.mode === 'async-deny') await new Promise((resolve) => setTimeout(resolve, 5));
        ctx.responseHeaders['x-limit'] = '10';
        throw new GatewayError(401, 'Unauthorized', { code: 'AUTH_001', headers: { 'www-authenticate': 'Bearer' }, details: { exp: 'token expired' } });
      },
    }),
  },
  {
    name: 'rewriter',
    priority: 801,
    schema: empty,
    create: () => ({
      access(ctx) {
        ctx.upstream.headers['x-added'] = 'by-plugin';
        delete ctx.upstream.headers['x-secret'];
        ctx.upstream.query.set('added', 'a b');
        ctx.upstream.path = `${ctx.upstream.path}/rewritten`;
        if (ctx.req.headers['x-new-body']) {
          ctx.upstream.body = Buffer.from('replaced body');
          ctx.upstream.headers['content-length'] = '13';
        }
      },
    }),
  },
  {
    name: 'body-upper',
    priority: 800,
    schema: empty,
    create: () => ({
      headerFilter(_ctx, response) {
        delete response.headers['content-length'];
      },
      bodyFilter(_ctx, body) {
        return Buffer.from(body.toString().toUpperCase());
      },
    }),
  },
  {
    name: 'logger',
    priority: 13,
    schema: empty,
    create: () => ({
      log(ctx, info) {
        logged.push({ route: ctx.route.name, status: info.status, requestSize: info.requestSize, responseSize: info.responseSize, upstreamLatencyMs: info.upstreamLatencyMs });
      },
    }),
  },
];

let upstream: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    definitions,
    config: {
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'guarded', paths: ['/guarded'], plugins: [{ name: 'gatekeeper' }] },
            { name: 'async-guarded', paths: ['/async'], plugins: [{ name: 'gatekeeper', config: { mode: 'async-deny' } }] },
            { name: 'crashy', paths: ['/crash'], plugins: [{ name: 'gatekeeper', config: { mode: 'crash' } }] },
            { name: 'rewritten', paths: ['/rewrite'], plugins: [{ name: 'rewriter' }] },
            { name: 'upper', paths: ['/upper'], plugins: [{ name: 'body-upper' }] },
            { name: 'plain', paths: ['/plain'] },
          ],
        },
      ],
      plugins: [{ name: 'preflight' }, { name: 'logger' }],
    },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe('plugin phases in the proxy', () => {
  it('turns a GatewayError into the envelope with its headers, details, and the other plugins\' headers', async () => {
    const before = upstream.requests.length;
    const res = await gw.fetch('/guarded/x');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('x-limit')).toBe('10');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-kong-response-latency')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({
      success: false, status_code: 401, data: null,
      error: { code: 'AUTH_001', message: 'Unauthorized', details: { exp: 'token expired' }, request_id: res.headers.get('x-kong-request-id') },
    });
    expect(upstream.requests.length).toBe(before);
  });

  it('awaits asynchronous access handlers', async () => {
    expect((await gw.fetch('/async/x')).status).toBe(401);
    expect((await gw.fetch('/async/x', { headers: { 'x-pass': 'yes' } })).status).toBe(200);
  });

  it('answers 500 with Kong\'s text when a plugin fails unexpectedly', async () => {
    const res = await gw.fetch('/crash/x');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'SYS_001', message: 'An unexpected error occurred' } });
  });

  it('lets a plugin answer by itself before auth, with the other plugins\' header filters applied', async () => {
    const res = await gw.fetch('/guarded/x', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-kong-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends the upstream what access handlers changed: headers, query, path, body', async () => {
    const res = await gw.fetch('/rewrite/x?keep=1', { method: 'POST', body: 'original', headers: { 'x-secret': 's', 'x-new-body': '1' } });
    const seen = (await res.json()) as EchoRequest;
    expect(seen.path).toBe('/x/rewritten');
    expect(seen.query).toEqual({ keep: '1', added: 'a b' });
    expect(seen.headers['x-added']).toBe('by-plugin');
    expect(seen.headers['x-secret']).toBeUndefined();
    expect(seen.body).toBe('replaced body');
  });

  it('buffers and filters the body only on routes with a body filter', async () => {
    const upper = await gw.fetch('/upper/x');
    const text = await upper.text();
    expect(text).toContain('"METHOD":"GET"');
    expect(upper.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(await (await gw.fetch('/plain/x')).text()).toContain('"method":"GET"');
  });

  it('applies header filters on upstream responses too', async () => {
    expect((await gw.fetch('/plain/x')).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('runs the log phase after each response with status, sizes and upstream latency', async () => {
    logged.length = 0;
    await (await gw.fetch('/plain/x', { method: 'POST', body: '12345' })).text();
    await (await gw.fetch('/guarded/x')).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logged[0]).toMatchObject({ route: 'plain', status: 200, requestSize: 5 });
    expect(logged[0]?.responseSize).toBeGreaterThan(100);
    expect(logged[0]?.upstreamLatencyMs).not.toBeNull();
    expect(logged[1]).toMatchObject({ route: 'guarded', status: 401, upstreamLatencyMs: null });
  });
});
