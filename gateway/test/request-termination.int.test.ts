// request-termination through the real gateway: the answer comes from the gateway (the upstream
// never sees the request), after the plugins that run before it (rate-limiting's headers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

const route = (name: string, config: Record<string, unknown>, extra: Record<string, unknown>[] = []) => ({
  name,
  paths: [`/${name}`],
  plugins: [{ name: 'request-termination', config }, ...extra],
});

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
            route('maintenance', {}, [{ name: 'rate-limiting', config: { hour: 1000, limit_by: 'ip' } }]),
            route('page', { status_code: 200, body: '<h1>Back soon</h1>', content_type: 'text/html' }),
            route('debug', { status_code: 418, echo: true, trigger: 'x-debug' }),
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

describe('request-termination through the gateway', () => {
  it("answers 503 'Service unavailable' in the envelope, with the headers of earlier plugins", async () => {
    const res = await gw.fetch('/maintenance/x');
    expect(res.status).toBe(503);
    expect(res.headers.get('x-ratelimit-limit-hour')).toBe('1000');
    expect(await res.json()).toMatchObject({ success: false, status_code: 503, error: { code: 'EXT_002', message: 'Service unavailable' } });
  });

  it('answers with a configured body and content type', async () => {
    const res = await gw.fetch('/page/x');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('<h1>Back soon</h1>');
  });

  it('echo with a trigger: only requests with the trigger are answered, with the request echoed', async () => {
    const seen = upstream.requests.length;
    const passed = await gw.fetch('/debug/x');
    expect(passed.status).toBe(200);
    expect(upstream.requests.length).toBe(seen + 1);

    const res = await gw.fetch('/debug/x?a=1', { method: 'POST', headers: { 'x-debug': '1', 'content-type': 'application/json' }, body: '{"k":"v"}' });
    expect(res.status).toBe(418);
    const echoed = (await res.json()) as { message?: string };
    expect(echoed).toMatchObject({
      request: { method: 'POST', path: '/debug/x', query: { a: '1' }, body: { k: 'v' }, raw_body: '{"k":"v"}', headers: { 'x-debug': '1' } },
      matched_route: { name: 'debug', paths: ['/debug'] },
      matched_service: { name: 'echo' },
    });
    expect(echoed.message).toBeUndefined();
    expect(upstream.requests.length).toBe(seen + 1);
  });
});
