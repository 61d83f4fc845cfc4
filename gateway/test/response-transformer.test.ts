// response-transformer's handlers on hand-made contexts: header rules (Kong's order, conditions
// on the headers as the upstream sent them), JSON rules with json_types, when the body is buffered.
import type { OutgoingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { PluginEnv, UpstreamResponse } from '../src/plugins/plugin.ts';
import { isJsonContentType, responseTransformerPlugin } from '../src/plugins/response-transformer.ts';
import { jsonValue } from '../src/plugins/response-transformer/json-body.ts';
import { fakeContext } from './fakes/request-context.ts';

const schema = responseTransformerPlugin.schema;

function transformer(config: Record<string, unknown>) {
  return responseTransformerPlugin.create(schema.parse(config), {} as PluginEnv, {
    id: 'p1',
    name: 'response-transformer',
    enabled: true,
    config,
  });
}

function respond(config: Record<string, unknown>, headers: OutgoingHttpHeaders, body?: unknown) {
  const handlers = transformer(config);
  const ctx = fakeContext();
  const upstream: UpstreamResponse = { statusCode: 200, headers: { ...headers } };
  handlers.headerFilter?.(ctx, upstream);
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
  const out = handlers.bodyFilter ? handlers.bodyFilter(ctx, raw, upstream) : raw;
  return { headers: upstream.headers, body: out.toString(), buffered: handlers.bodyFilter !== undefined };
}

const json = { 'content-type': 'application/json', 'content-length': '99' };

describe('response-transformer config', () => {
  it("has Kong's defaults and checks entries", () => {
    expect(schema.parse({})).toEqual({
      remove: { json: [], headers: [] },
      rename: { json: [], headers: [] },
      replace: { json: [], json_types: [], headers: [] },
      add: { json: [], json_types: [], headers: [] },
      append: { json: [], json_types: [], headers: [] },
    });
    expect(schema.safeParse({ add: { json: ['no-colon'] } }).success).toBe(false);
    expect(schema.safeParse({ add: { json_types: ['object'] } }).success).toBe(false);
    expect(schema.safeParse({ rename: { headers: ['x-a:x b'] } }).error?.issues[0]?.message).toBe("'x b' is not a valid header");
    expect(schema.safeParse({ remove: { if_status: [] } }).success).toBe(false);
  });
});

describe('response-transformer headers', () => {
  it('removes, renames, replaces, adds and appends', () => {
    const { headers } = respond(
      {
        remove: { headers: ['X-Powered-By'] },
        rename: { headers: ['x-old:x-new'] },
        replace: { headers: ['x-replace:new', 'x-absent:no'] },
        add: { headers: ['x-add:yes', 'x-keep:no'] },
        append: { headers: ['x-append:2', 'x-fresh:1'] },
      },
      { 'x-powered-by': 'express', 'x-old': 'o', 'x-replace': 'old', 'x-keep': 'kept', 'x-append': '1' },
    );
    expect(headers).toEqual({ 'x-new': 'o', 'x-replace': 'new', 'x-add': 'yes', 'x-keep': 'kept', 'x-append': ['1', '2'], 'x-fresh': '1' });
  });

  it('judges rename, replace and add by the headers as the upstream sent them (Kong takes them before its changes)', () => {
    const { headers } = respond(
      {
        remove: { headers: ['x-a', 'x-b'] },
        rename: { headers: ['x-b:x-c'] },
        replace: { headers: ['x-a:replaced'] },
        add: { headers: ['x-a:added', 'x-d:added'] },
        append: { headers: ['x-c:appended'] },
      },
      { 'x-a': 'a', 'x-b': 'b' },
    );
    // x-a was removed, then replaced (it existed), not added; x-b's value moved to x-c, then appended to.
    expect(headers).toEqual({ 'x-a': 'replaced', 'x-c': ['b', 'appended'], 'x-d': 'added' });
  });

  it('drops content-length only when a JSON rule will change a JSON body', () => {
    expect(respond({ add: { json: ['a:1'] } }, json).headers).not.toHaveProperty('content-length');
    expect(respond({ add: { json: ['a:1'] } }, { 'content-type': 'text/html', 'content-length': '5' }, 'hello').headers).toHaveProperty('content-length');
    expect(respond({ add: { headers: ['x:1'] } }, json).headers).toHaveProperty('content-length');
  });
});

describe('response-transformer JSON body', () => {
  it('removes, renames, replaces, adds and appends keys in that order', () => {
    const { body } = respond(
      {
        remove: { json: ['secret', 'a'] },
        rename: { json: ['old:new', 'b:a'] },
        replace: { json: ['new:replaced', 'flag:on', 'missing:x'] },
        add: { json: ['a:not-added', 'fresh:yes', 'off:now'] },
        append: { json: ['list:3', 'name:second', 'count:9'] },
      },
      json,
      { secret: 's', a: 1, old: 'o', b: 'bee', flag: false, off: false, list: [1, 2], name: 'first', count: 1, nested: { keep: true } },
    );
    expect(JSON.parse(body)).toEqual({
      a: 'bee',
      new: 'replaced',
      flag: false,
      off: 'now',
      fresh: 'yes',
      list: [1, 2, '3'],
      name: ['first', 'second'],
      count: ['9'],
      nested: { keep: true },
    });
  });

  it('types values with json_types, entry by entry', () => {
    const { body } = respond(
      {
        add: { json: ['n:42', 'b:true', 'f:yes', 's:42', 'bad:abc'], json_types: ['number', 'boolean', 'boolean', 'string', 'number'] },
        replace: { json: ['r:1.5'], json_types: ['number'] },
        append: { json: ['l:false'], json_types: ['boolean'] },
      },
      json,
      { r: 'old', l: [true] },
    );
    expect(JSON.parse(body)).toEqual({ n: 42, b: true, f: false, s: '42', r: 1.5, l: [true, false] });
  });

  it("writes values the way Kong's cjson round trip does", () => {
    expect(jsonValue('say "hi" / bye', undefined)).toBe('say "hi" / bye');
    expect(jsonValue('back\\slash', undefined)).toBe('back\\\\slash');
    expect(jsonValue(undefined, undefined)).toBe('null');
    expect(jsonValue(' 0x10 ', 'number')).toBe(16);
  });

  it('passes bodies that are not a JSON object through unchanged', () => {
    const config = { add: { json: ['a:1'] } };
    expect(respond(config, json, '[1,2]').body).toBe('[1,2]');
    expect(respond(config, json, 'not json').body).toBe('not json');
    expect(respond(config, { 'content-type': 'text/plain' }, '{"x":1}').body).toBe('{"x":1}');
    expect(respond(config, { 'content-type': 'application/problem+json' }, '{}').body).toBe('{"a":"1"}');
  });

  it('asks the proxy to buffer only when an add, remove, replace or append json rule exists', () => {
    expect(respond({ add: { headers: ['x:1'] } }, json).buffered).toBe(false);
    expect(respond({ rename: { json: ['a:b'] } }, json, { a: 1 }).buffered).toBe(false);
    expect(respond({ remove: { json: ['a'] } }, json, { a: 1 })).toMatchObject({ buffered: true, body: '{}' });
  });
});

describe('isJsonContentType', () => {
  it('knows application/json and application/*+json, with parameters and lists', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/html, application/vnd.api+json')).toBe(true);
    expect(isJsonContentType('application/jsonx')).toBe(false);
    expect(isJsonContentType('text/json')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});
