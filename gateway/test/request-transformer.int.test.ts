// request-transformer through the real gateway in front of the echo upstream: what the upstream
// receives after Kong's order of rules, body rewrites with the right length, regex captures in the
// URI, and the plugin order around it (correlation-id before, so its header can be copied).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoRequest, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      plugins: [{ name: 'correlation-id', config: { header_name: 'X-Request-ID', generator: 'uuid', echo_downstream: true } }],
      services: [
        {
          name: 'echo',
          url: `${upstream.url}/api/v1`,
          routes: [
            {
              name: 'ordered',
              paths: ['/ordered'],
              plugins: [
                {
                  name: 'request-transformer',
                  config: {
                    remove: { headers: ['x-secret', 'x-a'], querystring: ['debug'] },
                    rename: { headers: ['x-b:x-c'], querystring: ['q:search'] },
                    replace: { headers: ['x-c:replaced'], querystring: ['search:replaced'] },
                    add: { headers: ['x-a:re-added', 'x-c:not-added', 'x-trace:$(headers.x_request_id)'], querystring: ['page:1'] },
                    append: { headers: ['x-c:appended'], querystring: ['tag:b'] },
                  },
                },
              ],
            },
            {
              name: 'body',
              paths: ['/body'],
              plugins: [
                {
                  name: 'request-transformer',
                  config: {
                    remove: { body: ['password'] },
                    rename: { body: ['user:username'] },
                    replace: { body: ['role:user'] },
                    add: { body: ['source:gateway'] },
                    append: { body: ['tags:from-gateway'] },
                  },
                },
              ],
            },
            {
              name: 'captures',
              paths: ['~/accounts/(?<id>\\d+)/(?<part>[a-z]+)$'],
              plugins: [
                {
                  name: 'request-transformer',
                  config: {
                    http_method: 'POST',
                    replace: { uri: '/v2/users/$(uri_captures.id)/$(uri_captures["part"])' },
                    add: { headers: ['x-account:$(uri_captures.id)'] },
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function send(path: string, init: RequestInit = {}): Promise<EchoRequest> {
  const res = await gw.fetch(path, init);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as EchoRequest;
}

describe('request-transformer through the gateway', () => {
  it("sends the upstream headers and query rewritten in Kong's order", async () => {
    const seen = await send('/ordered/items?debug=1&q=shoes&tag=a', {
      headers: { 'x-secret': 's', 'x-a': 'a', 'x-b': 'b', 'x-request-id': 'req-42' },
    });
    expect(seen.headers).not.toHaveProperty('x-secret');
    expect(seen.headers).not.toHaveProperty('x-b');
    expect(seen.headers['x-a']).toBe('re-added');
    // Node joins a repeated header with ", " on the upstream side.
    expect(seen.headers['x-c']).toBe('replaced, appended');
    // correlation-id (priority 100001) ran before request-transformer (801): its header is visible.
    expect(seen.headers['x-trace']).toBe('req-42');
    expect(seen.path).toBe('/api/v1/items');
    const query = new URL(seen.url, 'http://x').searchParams;
    expect([...query.keys()].sort()).toEqual(['page', 'search', 'tag', 'tag']);
    expect(query.get('search')).toBe('replaced');
    expect(query.getAll('tag')).toEqual(['a', 'b']);
  });

  it('rewrites a JSON body and sends it with its new length', async () => {
    const seen = await send('/body/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', password: 'secret', role: 'admin', tags: ['web'] }),
    });
    expect(JSON.parse(seen.body)).toEqual({ username: 'ann', role: 'user', source: 'gateway', tags: ['web', 'from-gateway'] });
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(seen.body)));
    expect(seen.headers).not.toHaveProperty('transfer-encoding');
  });

  it('rewrites a chunked form body too', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('user=ann&pass'));
        controller.enqueue(new TextEncoder().encode('word=x&role=admin'));
        controller.close();
      },
    });
    const seen = await send('/body/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(Object.fromEntries(new URLSearchParams(seen.body))).toEqual({ username: 'ann', role: 'user', source: 'gateway', tags: 'from-gateway' });
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(seen.body)));
  });

  it('streams bodies it has no rule for untouched', async () => {
    const text = 'x'.repeat(100_000);
    const seen = await send('/body/raw', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
    expect(seen.body_size).toBe(text.length);
    expect(seen.body).toBe(text);
  });

  it('rebuilds the path from the route regex captures and changes the method', async () => {
    const seen = await send('/accounts/42/profile?x=1');
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v2/users/42/profile?x=1');
    expect(seen.headers['x-account']).toBe('42');
  });

  it('refuses a config with a Lua expression at start, naming the plugin and field', async () => {
    const start = startGateway({
      config: {
        _format_version: '3.0',
        services: [{ name: 'echo', url: upstream.url, routes: [{ name: 'r', paths: ['/r'] }] }],
        plugins: [{ name: 'request-transformer', config: { add: { headers: ['x-home:$(os.getenv("HOME"))'] } } }],
      },
    });
    await expect(start).rejects.toThrow(/request-transformer[\s\S]*add\.headers[\s\S]*is not supported by this gateway/);
  });
});
