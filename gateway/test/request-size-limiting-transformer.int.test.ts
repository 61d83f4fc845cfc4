// request-transformer reads a JSON body whole to rewrite it, which bypasses the proxy's byte count:
// the size limit must still hold on that read, or a chunked body would slip past request-size-limiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

const LIMIT = 4096;
let upstream: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [{
        name: 'echo', url: upstream.url,
        routes: [{
          name: 'rewrite', paths: ['/rewrite'],
          plugins: [
            { name: 'request-size-limiting', config: { allowed_payload_size: LIMIT / 1024, size_unit: 'kilobytes' } },
            { name: 'request-transformer', config: { add: { body: ['added:yes'] } } },
          ],
        }],
      }],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** A JSON body sent chunked (no Content-Length), so only the streamed count can catch it. */
function chunkedJson(size: number): Promise<Response> {
  const json = JSON.stringify({ pad: 'x'.repeat(size) });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(json);
      for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.subarray(i, i + 1024));
      controller.close();
    },
  });
  return fetch(`${gw.url}/rewrite`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
}

describe('request-size-limiting with a body-rewriting request-transformer', () => {
  it('rewrites a chunked JSON body within the limit', async () => {
    const res = await chunkedJson(100);
    expect(res.status).toBe(200);
    const echoed = await res.json() as { body: string };
    expect(JSON.parse(echoed.body)).toMatchObject({ added: 'yes' });
  });

  it("refuses a chunked JSON body past the limit with Kong's 413, before the upstream sees it", async () => {
    const before = upstream.requests.length;
    const res = await chunkedJson(LIMIT * 3);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ success: false, status_code: 413, error: { code: 'REQ_413', message: 'Request size limit exceeded' } });
    expect(upstream.requests.length).toBe(before);
  });
});
