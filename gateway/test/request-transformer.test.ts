// request-transformer's handlers on hand-made contexts: every operation on headers, querystring and
// body (JSON and form), Kong's order, http_method, replace.uri with templates, and the config checks.
import { describe, expect, it } from 'vitest';
import { requestTransformerPlugin } from '../src/plugins/request-transformer.ts';
import { BODY_LIMIT_BYTES } from '../src/plugins/request-transformer/body.ts';
import type { PluginEnv } from '../src/plugins/plugin.ts';
import { fakeContext, type FakeContextOptions } from './fakes/request-context.ts';

const env = {} as PluginEnv;
const schema = requestTransformerPlugin.schema;

function transformer(config: Record<string, unknown>) {
  const parsed = schema.parse(config);
  const handlers = requestTransformerPlugin.create(parsed, env, { id: 'p1', name: 'request-transformer', enabled: true, config });
  return handlers.access as NonNullable<typeof handlers.access>;
}

function withBody(options: FakeContextOptions & { body?: string }) {
  const ctx = fakeContext({ method: 'POST', ...options });
  if (options.body !== undefined) ctx.req.push(Buffer.from(options.body));
  ctx.req.push(null);
  return ctx;
}

const configError = (config: Record<string, unknown>) => {
  const result = schema.safeParse(config);
  return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('request-transformer config', () => {
  it("has Kong's defaults: every list empty, no method, no uri", () => {
    expect(schema.parse({})).toEqual({
      remove: { body: [], headers: [], querystring: [] },
      rename: { body: [], headers: [], querystring: [] },
      replace: { body: [], headers: [], querystring: [] },
      add: { body: [], headers: [], querystring: [] },
      append: { body: [], headers: [], querystring: [] },
    });
  });

  it('refuses entries without a value, bad header names, a lower-case method and unknown fields', () => {
    expect(configError({ add: { body: ['name'] } })).toBe("add.body.0: key 'name' has no value");
    expect(configError({ replace: { querystring: ['q:'] } })).toBe("replace.querystring.0: key 'q' has no value");
    expect(configError({ add: { headers: ['x y:1'] } })).toBe("add.headers.0: 'x y' is not a valid header");
    expect(configError({ rename: { headers: ['x-a:x b'] } })).toBe("rename.headers.0: 'x b' is not a valid header");
    expect(configError({ remove: { headers: ['x:y'] } })).toBe("remove.headers.0: 'x:y' is not a valid header");
    expect(configError({ http_method: 'post' })).toMatch(/^http_method: /);
    expect(configError({ add: { cookies: [] } })).toMatch(/^add: /);
    expect(configError({ dots_in_keys: true })).toMatch(/dots_in_keys/);
  });

  it('accepts the documented lookups as templates and refuses any other Lua expression at load', () => {
    expect(configError({ replace: { uri: '/users/$(uri_captures.id)/$(uri_captures["part"])/$(uri_captures[1])' } })).toBeUndefined();
    expect(configError({ add: { headers: ['x-user:$(headers.x_user)', 'x-q:$(query_params["q"])'] } })).toBeUndefined();
    expect(configError({ replace: { uri: '/$(os.getenv("HOME"))' } })).toMatch(/template '\$\(os\.getenv\("HOME"\)\)' is not supported by this gateway/);
    expect(configError({ add: { body: ['a:$(uri_captures.id or "x")'] } })).toMatch(/is not supported/);
    expect(configError({ add: { headers: ['x:$((function() return 1 end)())'] } })).toMatch(/is not supported/);
  });
});

describe('request-transformer headers', () => {
  it('removes, renames, replaces, adds and appends', async () => {
    const access = transformer({
      remove: { headers: ['X-Remove'] },
      rename: { headers: ['X-Old:X-New'] },
      replace: { headers: ['X-Replace:new', 'X-Absent:ignored'] },
      add: { headers: ['X-Add:added', 'X-Keep:not-this'] },
      append: { headers: ['X-Append:two', 'X-Fresh:one'] },
    });
    const ctx = fakeContext({
      headers: { 'x-remove': 'r', 'x-old': 'o', 'x-replace': 'old', 'x-keep': 'kept', 'x-append': 'one' },
    });
    await access(ctx);
    expect(ctx.upstream.headers).toMatchObject({
      'x-new': 'o',
      'x-replace': 'new',
      'x-add': 'added',
      'x-keep': 'kept',
      'x-append': ['one', 'two'],
      'x-fresh': ['one'],
    });
    expect(ctx.upstream.headers).not.toHaveProperty('x-remove');
    expect(ctx.upstream.headers).not.toHaveProperty('x-old');
    expect(ctx.upstream.headers).not.toHaveProperty('x-absent');
  });

  it("runs in Kong's order: a removed header can be added back, a renamed one is then replaced and appended", async () => {
    const access = transformer({
      remove: { headers: ['x-a'] },
      rename: { headers: ['x-b:x-c'] },
      replace: { headers: ['x-c:replaced'] },
      add: { headers: ['x-a:re-added', 'x-c:not-added'] },
      append: { headers: ['x-c:appended'] },
    });
    const ctx = fakeContext({ headers: { 'x-a': 'original', 'x-b': 'b' } });
    await access(ctx);
    expect(ctx.upstream.headers['x-a']).toBe('re-added');
    expect(ctx.upstream.headers['x-c']).toEqual(['replaced', 'appended']);
    expect(ctx.upstream.headers).not.toHaveProperty('x-b');
  });

  it('may replace Host but never removes, renames, adds or appends it', async () => {
    const access = transformer({
      remove: { headers: ['host'] },
      rename: { headers: ['host:x-host'] },
      append: { headers: ['host:b'] },
      add: { headers: ['host:c'] },
    });
    const ctx = fakeContext({ headers: { host: 'client.example' } });
    await access(ctx);
    expect(ctx.upstream.headers.host).toBe('client.example');
    expect(ctx.upstream.headers).not.toHaveProperty('x-host');

    const replace = transformer({ replace: { headers: ['Host:upstream.example'] } });
    const other = fakeContext({ headers: { host: 'client.example' } });
    await replace(other);
    expect(other.upstream.headers.host).toBe('upstream.example');
  });

  it('renders templates from the request as it came in, before any change', async () => {
    const access = transformer({
      remove: { headers: ['x-user'] },
      add: { headers: ['x-copied:user=$(headers.x_user);q=$(query_params.q);none=$(headers["x-none"])'] },
    });
    const ctx = fakeContext({ url: '/api/things?q=1&q=2', headers: { 'X-User': 'ann' } });
    await access(ctx);
    expect(ctx.upstream.headers['x-copied']).toBe('user=ann;q=1, 2;none=');
    expect(ctx.upstream.headers).not.toHaveProperty('x-user');
  });

  it('treats an entry with an empty value as nothing to set', async () => {
    const access = transformer({ add: { headers: ['x-empty:'] }, replace: { headers: ['x-keep:'] }, append: { headers: ['x-keep:'] } });
    const ctx = fakeContext({ headers: { 'x-keep': 'kept' } });
    await access(ctx);
    expect(ctx.upstream.headers['x-keep']).toBe('kept');
    expect(ctx.upstream.headers).not.toHaveProperty('x-empty');
  });
});

describe('request-transformer querystring', () => {
  it('removes, renames, replaces, adds and appends in that order', async () => {
    const access = transformer({
      remove: { querystring: ['drop', 'a'] },
      rename: { querystring: ['old:new', 'b:a'] },
      replace: { querystring: ['new:replaced', 'absent:x'] },
      add: { querystring: ['a:added', 'keep:no', 'fresh:1'] },
      append: { querystring: ['fresh:2', 'list:c'] },
    });
    const ctx = fakeContext({ url: '/api?drop=1&a=orig&old=o1&old=o2&b=bee&keep=yes&list=a&list=b' });
    await access(ctx);
    const q = ctx.upstream.query;
    expect(q.has('drop')).toBe(false);
    expect(q.has('old')).toBe(false);
    expect(q.getAll('new')).toEqual(['replaced']);
    // a was removed, then b was renamed to a; add does not overwrite it.
    expect(q.getAll('a')).toEqual(['bee']);
    expect(q.has('absent')).toBe(false);
    expect(q.get('keep')).toBe('yes');
    expect(q.getAll('fresh')).toEqual(['1', '2']);
    expect(q.getAll('list')).toEqual(['a', 'b', 'c']);
  });

  it('does nothing (and reads no body) when only querystring rules exist', () => {
    const access = transformer({ add: { querystring: ['x:1'] } });
    const ctx = fakeContext({ method: 'POST', url: '/api', headers: { 'content-type': 'application/json' } });
    expect(access(ctx)).toBeUndefined();
    expect(ctx.upstream.query.get('x')).toBe('1');
    expect(ctx.upstream.body).toBeUndefined();
  });
});

describe('request-transformer JSON body', () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };

  it('removes, renames, replaces, adds and appends keys in that order and fixes content-length', async () => {
    const access = transformer({
      remove: { body: ['secret', 'a'] },
      rename: { body: ['old:new', 'b:a'] },
      replace: { body: ['new:replaced', 'flag:on', 'nothing:x'] },
      add: { body: ['a:not-added', 'fresh:yes', 'off:now'] },
      append: { body: ['tags:t2', 'name:second', 'count:9'] },
    });
    const body = JSON.stringify({ secret: 's', a: 1, old: 'o', b: 'bee', flag: false, off: false, tags: ['t1'], name: 'first', count: 3 });
    const ctx = withBody({ headers: { ...json, 'content-length': String(body.length) }, body });
    await access(ctx);
    const sent = JSON.parse(ctx.upstream.body?.toString() ?? 'null');
    expect(sent).toEqual({
      a: 'bee',
      new: 'replaced',
      flag: false, // Lua: false is not replaced…
      off: 'now', // …but is overwritten by add
      fresh: 'yes',
      tags: ['t1', 't2'],
      name: ['first', 'second'],
      count: ['9'],
    });
    expect(ctx.upstream.headers['content-length']).toBe(String(ctx.upstream.body?.length));
  });

  it('adds to an empty body but leaves an unparsable or non-object body as it was', async () => {
    const access = transformer({ remove: { body: ['x'] }, add: { body: ['added:1'] } });
    const empty = withBody({ headers: json, body: '' });
    await access(empty);
    expect(empty.upstream.body?.toString()).toBe('{"added":"1"}');

    for (const raw of ['{not json', '[1,2]', '"text"']) {
      const ctx = withBody({ headers: { ...json, 'transfer-encoding': 'chunked' }, body: raw });
      await access(ctx);
      expect(ctx.upstream.body?.toString()).toBe(raw);
      expect(ctx.upstream.headers['content-length']).toBe(String(Buffer.byteLength(raw)));
      expect(ctx.upstream.headers).not.toHaveProperty('transfer-encoding');
    }
  });

  it('takes values from the route regex captures', async () => {
    const access = transformer({ add: { body: ['user_id:$(uri_captures.id)', 'n:$(uri_captures[2])'] } });
    const ctx = withBody({
      url: '/api/users/42/n7?x=1',
      headers: json,
      body: '{}',
      route: { regexPaths: [/^\/api\/users\/(?<id>\d+)\/n(\d+)/] },
    });
    await access(ctx);
    expect(JSON.parse(ctx.upstream.body?.toString() ?? '')).toEqual({ user_id: '42', n: '7' });
  });

  it('never reads a body larger than the cap', async () => {
    const access = transformer({ add: { body: ['a:1'] } });
    const declared = fakeContext({ method: 'POST', headers: { ...json, 'content-length': String(BODY_LIMIT_BYTES + 1) } });
    await expect(access(declared)).rejects.toMatchObject({ status: 413, code: 'REQ_413', message: 'Request size limit exceeded' });

    const streamed = withBody({ headers: { ...json, 'transfer-encoding': 'chunked' }, body: 'x'.repeat(BODY_LIMIT_BYTES + 1) });
    await expect(access(streamed)).rejects.toMatchObject({ status: 413 });
  });

  it('leaves multipart and other bodies streaming', () => {
    const access = transformer({ add: { body: ['a:1'] } });
    for (const type of ['multipart/form-data; boundary=x', 'text/plain', undefined]) {
      const ctx = fakeContext({ method: 'POST', headers: type ? { 'content-type': type } : {} });
      expect(access(ctx)).toBeUndefined();
      expect(ctx.upstream.body).toBeUndefined();
    }
  });
});

describe('request-transformer form body', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('removes, renames, replaces, adds and appends fields', async () => {
    const access = transformer({
      remove: { body: ['password'] },
      rename: { body: ['user:username'] },
      replace: { body: ['scope:read', 'missing:x'] },
      add: { body: ['grant_type:client_credentials', 'scope:never'] },
      append: { body: ['tag:b', 'flag:set'] },
    });
    const ctx = withBody({ headers: form, body: 'user=ann+lee&password=p%26w&scope=all&tag=a&flag' });
    await access(ctx);
    // Field order is not kept (Kong's is a Lua table's); values of one name are.
    const sent = [...new URLSearchParams(ctx.upstream.body?.toString())].sort(([a], [b]) => a.localeCompare(b));
    expect(sent).toEqual([
      ['flag', 'set'], // a valueless field is replaced by the appended value, as Kong's append_value does
      ['grant_type', 'client_credentials'],
      ['scope', 'read'],
      ['tag', 'a'],
      ['tag', 'b'],
      ['username', 'ann lee'],
    ]);
    expect(ctx.upstream.body?.toString()).not.toContain('password');
  });
});

describe('request-transformer method and uri', () => {
  it('changes the method and, for GET, moves a form body into the query', async () => {
    const access = transformer({ http_method: 'GET' });
    const ctx = withBody({ url: '/api?a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=2&b=3' });
    await access(ctx);
    expect(ctx.upstream.method).toBe('GET');
    expect([...ctx.upstream.query]).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);

    const post = transformer({ http_method: 'POST' });
    const other = fakeContext({ method: 'GET' });
    expect(post(other)).toBeUndefined();
    expect(other.upstream.method).toBe('POST');
  });

  it('replaces the whole upstream path with the rendered uri, escaping what a path cannot carry', async () => {
    const access = transformer({ replace: { uri: '/v2/accounts/$(uri_captures.id)/$(uri_captures.name) x' } });
    const ctx = fakeContext({ url: '/api/u/7/al%20ice', route: { regexPaths: [/^\/api\/u\/(?<id>\d+)\/(?<name>[^/]+)/] } });
    await access(ctx);
    expect(ctx.upstream.path).toBe('/v2/accounts/7/al%20ice%20x');
  });

  it('runs uri, method, headers, body, then querystring', async () => {
    // A header rule changes the content type, and the body rules then see the new one (Kong reads
    // the body after the headers); the querystring rules come last.
    const access = transformer({
      http_method: 'PUT',
      replace: { uri: '/replaced', headers: ['content-type:application/json'] },
      add: { body: ['a:1'], querystring: ['method:$(query_params.m)'] },
    });
    const ctx = withBody({ url: '/api?m=x', headers: { 'content-type': 'text/plain' }, body: '{}' });
    await access(ctx);
    expect(ctx.upstream).toMatchObject({ method: 'PUT', path: '/replaced' });
    expect(ctx.upstream.body?.toString()).toBe('{"a":"1"}');
    expect(ctx.upstream.query.get('method')).toBe('x');
  });
});
