// correlation-id through the real gateway, configured as kong.yml does for the platform
// (X-Request-ID, uuid, echoed): the upstream and the client see the same id, and the gateway's own
// error envelopes carry it as request_id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoRequest, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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
          url: upstream.url,
          routes: [
            { name: 'open', paths: ['/open'] },
            { name: 'closed', paths: ['/closed'], plugins: [{ name: 'request-termination', config: { status_code: 503 } }] },
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

describe('correlation-id through the gateway', () => {
  it('generates an id, sends it upstream and echoes it to the client', async () => {
    const res = await gw.fetch('/open/things');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(((await res.json()) as EchoRequest).headers['x-request-id']).toBe(id);
  });

  it("keeps the client's id", async () => {
    const res = await gw.fetch('/open/things', { headers: { 'x-request-id': 'client-chosen-1' } });
    expect(res.headers.get('x-request-id')).toBe('client-chosen-1');
    expect(((await res.json()) as EchoRequest).headers['x-request-id']).toBe('client-chosen-1');
  });

  it("is the request_id of the gateway's own answers", async () => {
    const res = await gw.fetch('/closed/things');
    expect(res.status).toBe(503);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'EXT_002', message: 'Service unavailable', request_id: id });
  });
});
