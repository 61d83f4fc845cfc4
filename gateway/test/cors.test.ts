import type { OutgoingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { corsPlugin } from '../src/plugins/cors.ts';
import { normalizeOrigin } from '../src/plugins/cors/allowed-origin.ts';
import type { PluginHandlers } from '../src/plugins/plugin.ts';
import { fakeContext } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

const preflightHeaders = (origin: string, extra: Record<string, string> = {}) => ({
  origin,
  'access-control-request-method': 'POST',
  ...extra,
});

function preflight(plugin: PluginHandlers, headers: Record<string, string>) {
  const ctx = fakeContext({ method: 'OPTIONS', headers });
  const result = plugin.access!(ctx);
  return { result, ctx, status: ctx.recorded.statusCode, headers: ctx.recorded.headers, body: ctx.recorded.body.toString() };
}

/** Runs access (which must let the request through) then header_filter on an upstream answer. */
function proxied(plugin: PluginHandlers, requestHeaders: Record<string, string>, upstreamHeaders: OutgoingHttpHeaders = {}, method = 'GET') {
  const ctx = fakeContext({ method, headers: requestHeaders });
  expect(plugin.access!(ctx)).toBeUndefined();
  expect(ctx.recorded.ended).toBe(false);
  const upstream = { statusCode: 200, headers: { 'content-type': 'application/json', ...upstreamHeaders } };
  plugin.headerFilter!(ctx, upstream);
  return upstream.headers;
}

describe('cors config', () => {
  it("has Kong 3.10's defaults", () => {
    expect(corsPlugin.schema.parse({})).toEqual({
      methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'],
      credentials: false,
      private_network: false,
      preflight_continue: false,
      allow_origin_absent: true,
    });
  });

  it('refuses an origin that does not compile as a regex, an unknown method, an unknown field', () => {
    expect(corsPlugin.schema.safeParse({ origins: ['(unclosed'] }).error?.issues[0]?.message).toBe("'(unclosed' is not a valid regex");
    expect(corsPlugin.schema.safeParse({ methods: ['FETCH'] }).success).toBe(false);
    expect(corsPlugin.schema.safeParse({ origin: 'x' }).error?.issues[0]?.message).toMatch(/Unrecognized key/);
  });
});

describe('cors preflight', () => {
  it('answers 200 itself with every method and the requested headers when nothing is configured', () => {
    const plugin = instantiate(corsPlugin, {});
    const { result, status, headers, body } = preflight(plugin, preflightHeaders('https://app.test', { 'access-control-request-headers': 'authorization,x-b' }));
    expect(result).toBe('handled');
    expect(status).toBe(200);
    expect(body).toBe('');
    expect(headers).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization,x-b',
      'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT',
      'content-length': '0',
    });
  });

  it('echoes an allowed origin with credentials, max age, configured headers and methods', () => {
    const plugin = instantiate(corsPlugin, {
      origins: ['https://app.test', 'https://admin.test'],
      headers: ['authorization', 'content-type'],
      methods: ['GET', 'POST'],
      credentials: true,
      max_age: 3600,
    });
    const { headers } = preflight(plugin, preflightHeaders('https://admin.test', { 'access-control-request-headers': 'x-other' }));
    expect(headers).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': 'https://admin.test',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-allow-methods': 'GET,POST',
      'access-control-max-age': '3600',
      'content-length': '0',
    });
  });

  it('still answers 200 for an origin that is not allowed, without Access-Control-Allow-Origin', () => {
    const plugin = instantiate(corsPlugin, { origins: ['https://app.test', 'https://admin.test'] });
    const { status, headers } = preflight(plugin, preflightHeaders('https://evil.test'));
    expect(status).toBe(200);
    expect(headers['access-control-allow-origin']).toBeUndefined();
    expect(headers.vary).toBe('Origin');
  });

  it('keeps headers other plugins already set for the response (correlation id)', () => {
    const plugin = instantiate(corsPlugin, {});
    const ctx = fakeContext({ method: 'OPTIONS', headers: preflightHeaders('https://app.test') });
    ctx.responseHeaders['X-Request-ID'] = 'abc';
    plugin.access!(ctx);
    expect(ctx.recorded.headers['x-request-id']).toBe('abc');
  });

  it('Access-Control-Allow-Private-Network only when configured and asked for', () => {
    const plugin = instantiate(corsPlugin, { private_network: true });
    expect(preflight(plugin, preflightHeaders('https://a.test', { 'access-control-request-private-network': 'true' })).headers).toMatchObject({
      'access-control-allow-private-network': 'true',
    });
    expect(preflight(plugin, preflightHeaders('https://a.test')).headers['access-control-allow-private-network']).toBeUndefined();
  });

  it('preflight_continue hands the preflight to the upstream and adds no header to its answer', () => {
    const plugin = instantiate(corsPlugin, { preflight_continue: true });
    const ctx = fakeContext({ method: 'OPTIONS', headers: preflightHeaders('https://app.test') });
    expect(plugin.access!(ctx)).toBeUndefined();
    const upstream = { statusCode: 204, headers: {} };
    plugin.headerFilter!(ctx, upstream);
    expect(upstream.headers).toEqual({});
  });

  it('an OPTIONS without Access-Control-Request-Method is not a preflight', () => {
    const plugin = instantiate(corsPlugin, {});
    expect(proxied(plugin, { origin: 'https://app.test' }, {}, 'OPTIONS')).toMatchObject({ 'access-control-allow-origin': '*' });
  });
});

describe('cors on proxied responses', () => {
  it('adds Access-Control-Allow-Origin, credentials and exposed headers, appending Vary to the upstream one', () => {
    const plugin = instantiate(corsPlugin, { origins: ['https://app.test', 'https://admin.test'], credentials: true, exposed_headers: ['x-total', 'etag'] });
    expect(proxied(plugin, { origin: 'https://app.test' }, { vary: 'Accept-Encoding' })).toEqual({
      'content-type': 'application/json',
      vary: ['Accept-Encoding', 'Origin'],
      'access-control-allow-origin': 'https://app.test',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-total,etag',
    });
  });

  it("removes the upstream's own Access-Control-Allow-Origin when the origin is not allowed", () => {
    const plugin = instantiate(corsPlugin, { origins: ['https://app.test', 'https://admin.test'] });
    const headers = proxied(plugin, { origin: 'https://evil.test' }, { 'access-control-allow-origin': '*' });
    expect(headers['access-control-allow-origin']).toBeUndefined();
    expect(headers.vary).toBe('Origin');
  });

  it('one literal origin is always sent as configured', () => {
    const plugin = instantiate(corsPlugin, { origins: ['https://app.test'] });
    expect(proxied(plugin, { origin: 'https://other.test' })).toMatchObject({ 'access-control-allow-origin': 'https://app.test', vary: 'Origin' });
  });

  it('"*" in a list allows any origin; with credentials the origin is echoed instead of "*"', () => {
    expect(proxied(instantiate(corsPlugin, { origins: ['https://app.test', '*'] }), { origin: 'https://x.test' })).toMatchObject({
      'access-control-allow-origin': '*',
    });
    expect(proxied(instantiate(corsPlugin, { credentials: true }), { origin: 'https://x.test' })).toMatchObject({
      'access-control-allow-origin': 'https://x.test',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
  });

  it('regex origins: anchored, matched on the host unless the entry has a ":"', () => {
    const plugin = instantiate(corsPlugin, { origins: ['(.*\\.)?example\\.com', 'http://localhost:\\d+'] });
    const allowOf = (origin: string) => proxied(plugin, { origin })['access-control-allow-origin'];
    expect(allowOf('https://example.com')).toBe('https://example.com');
    expect(allowOf('https://api.example.com:443')).toBe('https://api.example.com');
    expect(allowOf('https://example.com.evil.net')).toBeUndefined();
    expect(allowOf('https://evil-example.com')).toBeUndefined();
    expect(allowOf('http://localhost:5173')).toBe('http://localhost:5173');
    expect(allowOf('https://localhost:5173')).toBeUndefined();
  });

  it('literal entries compare normalized origins (default ports dropped)', () => {
    const plugin = instantiate(corsPlugin, { origins: ['http://app.test:80', 'https://admin.test:8443'] });
    expect(proxied(plugin, { origin: 'http://app.test' })['access-control-allow-origin']).toBe('http://app.test');
    expect(proxied(plugin, { origin: 'https://admin.test:8443' })['access-control-allow-origin']).toBe('https://admin.test:8443');
    expect(proxied(plugin, { origin: 'https://admin.test' })['access-control-allow-origin']).toBeUndefined();
  });

  it('without an Origin header: headers by default, none when allow_origin_absent is false', () => {
    expect(proxied(instantiate(corsPlugin, {}), {})).toMatchObject({ 'access-control-allow-origin': '*' });
    expect(proxied(instantiate(corsPlugin, { allow_origin_absent: false }), {})).toEqual({ 'content-type': 'application/json' });
  });

  it('normalizes origins as Kong does', () => {
    expect(normalizeOrigin('https://example.com:443')).toEqual({ domain: 'https://example.com', host: 'example.com' });
    expect(normalizeOrigin('http://example.com:8080')).toEqual({ domain: 'http://example.com:8080', host: 'example.com' });
    expect(normalizeOrigin('null')).toEqual({ domain: 'null', host: 'null' });
  });
});
