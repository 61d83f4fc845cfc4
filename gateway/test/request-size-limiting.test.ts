import { describe, expect, it } from 'vitest';
import { GatewayError, type PluginHandlers } from '../src/plugins/plugin.ts';
import { requestSizeLimitingPlugin } from '../src/plugins/request-size-limiting.ts';
import { fakeContext, type FakeContextOptions } from './fakes/request-context.ts';
import { instantiate } from './fakes/plugin-env.ts';

function run(plugin: PluginHandlers, options: FakeContextOptions) {
  const ctx = fakeContext({ method: 'POST', ...options });
  try {
    plugin.access!(ctx);
    return { ctx, error: undefined };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ctx, error };
  }
}

describe('request-size-limiting', () => {
  it("has Kong 3.10's defaults (128 megabytes)", () => {
    expect(requestSizeLimitingPlugin.schema.parse({})).toEqual({ allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false });
    expect(requestSizeLimitingPlugin.schema.safeParse({ size_unit: 'gigabytes' }).success).toBe(false);
    expect(requestSizeLimitingPlugin.schema.safeParse({ allowed_payload_size: 1.5 }).success).toBe(false);
  });

  it('refuses a Content-Length over the limit at once, in each unit', () => {
    const mb = instantiate(requestSizeLimitingPlugin, {});
    expect(run(mb, { headers: { 'content-length': String(128 * 1024 * 1024) } }).error).toBeUndefined();
    expect(run(mb, { headers: { 'content-length': String(128 * 1024 * 1024 + 1) } }).error).toMatchObject({
      status: 413,
      message: 'Request size limit exceeded',
      code: 'REQ_413',
    });
    const kb = instantiate(requestSizeLimitingPlugin, { allowed_payload_size: 2, size_unit: 'kilobytes' });
    expect(run(kb, { headers: { 'content-length': '2048' } }).error).toBeUndefined();
    expect(run(kb, { headers: { 'content-length': '2049' } }).error?.status).toBe(413);
    const bytes = instantiate(requestSizeLimitingPlugin, { allowed_payload_size: 10, size_unit: 'bytes' });
    expect(run(bytes, { headers: { 'content-length': '11' } }).error?.status).toBe(413);
  });

  it('answers 417 instead when the client asked Expect: 100-continue', () => {
    const plugin = instantiate(requestSizeLimitingPlugin, { allowed_payload_size: 10, size_unit: 'bytes' });
    expect(run(plugin, { headers: { 'content-length': '11', expect: ' 100-Continue ' } }).error).toMatchObject({
      status: 417,
      message: 'Request size limit exceeded',
    });
  });

  it('a chunked body streams on with a byte limit for the proxy to enforce', () => {
    const plugin = instantiate(requestSizeLimitingPlugin, { allowed_payload_size: 1, size_unit: 'kilobytes' });
    const { ctx, error } = run(plugin, { headers: { 'transfer-encoding': 'chunked' } });
    expect(error).toBeUndefined();
    expect(ctx.upstream.bodyLimit?.bytes).toBe(1024);
    expect(ctx.upstream.bodyLimit?.error).toMatchObject({ status: 413, message: 'Request size limit exceeded', code: 'REQ_413' });
    expect(run(plugin, { headers: { 'content-length': '10' } }).ctx.upstream.bodyLimit).toBeUndefined();
  });

  it('require_content_length: 411 without a Content-Length unless the body is chunked', () => {
    const plugin = instantiate(requestSizeLimitingPlugin, { require_content_length: true });
    expect(run(plugin, { method: 'GET', headers: {} }).error).toMatchObject({
      status: 411,
      message: 'A valid Content-Length header is required',
    });
    expect(run(plugin, { headers: { 'transfer-encoding': 'chunked' } }).error).toBeUndefined();
    expect(run(plugin, { headers: { 'transfer-encoding': 'gzip, chunked' } }).error?.status).toBe(411);
    expect(run(plugin, { headers: { 'content-length': '0' } }).error).toBeUndefined();
  });

  it('without require_content_length, a request without a body passes untouched', () => {
    const plugin = instantiate(requestSizeLimitingPlugin, {});
    const { ctx, error } = run(plugin, { method: 'GET', headers: {} });
    expect(error).toBeUndefined();
    expect(ctx.upstream.bodyLimit).toBeUndefined();
  });
});
