// response-transformer through the real gateway in front of the echo upstream: headers and the JSON
// body rewritten with a correct length, other bodies streamed untouched, and the gateway's own
// answers (a key-auth refusal) filtered as well, as Kong runs header_filter on them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

const transformer = {
  name: 'response-transformer',
  config: {
    remove: { headers: ['x-powered-by'], json: ['headers', 'body'] },
    rename: { headers: ['x-internal-id:x-public-id'] },
    replace: { json: ['method:HIDDEN'] },
    add: { headers: ['x-served-by:gateway'], json: ['version:2', 'beta:true'], json_types: ['number', 'boolean'] },
    append: { headers: ['cache-control:no-transform'], json: ['path:/appended'] },
  },
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'open', paths: ['/open'], plugins: [transformer] },
            { name: 'keyed', paths: ['/keyed'], plugins: [transformer, { name: 'key-auth', config: {} }] },
          ],
        },
      ],
      consumers: [{ username: 'worker', keyauth_credentials: [{ key: 'worker-key-123' }] }],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('response-transformer through the gateway', () => {
  it('rewrites the headers and the JSON body, and the length matches', async () => {
    const res = await gw.fetch('/open/things?a=1', {
      headers: { 'x-echo-header-x-powered-by': 'express', 'x-echo-header-x-internal-id': '77', 'x-echo-header-cache-control': 'private' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-internal-id')).toBeNull();
    expect(res.headers.get('x-public-id')).toBe('77');
    expect(res.headers.get('x-served-by')).toBe('gateway');
    expect(res.headers.get('cache-control')).toBe('private, no-transform');
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).not.toHaveProperty('headers');
    expect(body).not.toHaveProperty('body');
    expect(body).toMatchObject({ method: 'HIDDEN', path: ['/things', '/appended'], version: 2, beta: true, query: { a: '1' } });
  });

  it('streams a response that is not JSON untouched', async () => {
    const res = await gw.fetch('/open/file', { headers: { 'x-echo-stream': '200000' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toBe('gateway');
    expect(res.headers.get('content-length')).toBe('200000');
    expect((await res.arrayBuffer()).byteLength).toBe(200_000);
  });

  it("also rewrites the gateway's own answers", async () => {
    const res = await gw.fetch('/keyed/x');
    expect(res.status).toBe(401);
    expect(res.headers.get('x-served-by')).toBe('gateway');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: false, status_code: 401, version: 2, beta: true, error: { code: 'AUTH_001', message: 'No API key found in request' } });
    expect(upstream.requests.some((r) => r.path === '/x')).toBe(false);
  });
});
