// request-size-limiting through the real gateway: a Content-Length over the limit is refused before
// anything reaches the upstream; 417 for Expect: 100-continue; 411 when a length is required.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoRequest, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

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
            { name: 'small', paths: ['/small'], plugins: [{ name: 'request-size-limiting', config: { allowed_payload_size: 1, size_unit: 'kilobytes' } }] },
            { name: 'strict', paths: ['/strict'], plugins: [{ name: 'request-size-limiting', config: { require_content_length: true } }] },
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

/** A raw request, for headers fetch will not send (Expect). */
function rawPost(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    req.on('error', reject);
    // With Expect: 100-continue the body waits for an interim 100; the final answer comes instead.
    if (headers.expect) req.flushHeaders();
    else req.end(body);
  });
}

describe('request-size-limiting through the gateway', () => {
  it('lets a body within the limit through', async () => {
    const res = await gw.fetch('/small/upload', { method: 'POST', body: Buffer.alloc(1024, 'a') });
    expect(res.status).toBe(200);
    expect(((await res.json()) as EchoRequest).body_size).toBe(1024);
  });

  it("refuses a Content-Length over the limit with Kong's 413, before the upstream", async () => {
    const seen = upstream.requests.length;
    const res = await gw.fetch('/small/upload', { method: 'POST', body: Buffer.alloc(1025, 'a') });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      success: false,
      status_code: 413,
      error: { code: 'REQ_413', message: 'Request size limit exceeded' },
    });
    expect(upstream.requests.length).toBe(seen);
  });

  it('answers 417 to a client waiting for 100-continue', async () => {
    const res = await rawPost('/small/upload', { 'content-length': '4096', expect: '100-continue', 'content-type': 'text/plain' }, Buffer.alloc(0));
    expect(res.status).toBe(417);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'REQ_413', message: 'Request size limit exceeded' });
  });

  it('require_content_length: 411 without one', async () => {
    const res = await gw.fetch('/strict/things');
    expect(res.status).toBe(411);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ message: 'A valid Content-Length header is required' });
    expect((await gw.fetch('/strict/things', { method: 'POST', body: 'x' })).status).toBe(200);
  });
});
