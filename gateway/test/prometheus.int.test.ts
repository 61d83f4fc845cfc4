// prometheus through the real gateway: requests proxied, refused by a plugin and failed upstream
// show up on the status listener's /metrics under Kong's names and labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      plugins: [
        {
          name: 'prometheus',
          config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true },
        },
      ],
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'open', paths: ['/open'] },
            { name: 'keyed', paths: ['/keyed'], plugins: [{ name: 'key-auth', config: {} }] },
          ],
        },
        // Nothing listens on port 9 (discard): connection refused, the gateway answers 502.
        { name: 'dead', url: 'http://127.0.0.1:9', retries: 0, routes: [{ name: 'dead', paths: ['/dead'] }] },
      ],
      consumers: [{ username: 'worker', keyauth_credentials: [{ key: 'worker-key-123' }] }],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${gw.statusUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series, by its exact label set as the exposition prints it. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('prometheus through the gateway', () => {
  it('counts requests by service, route, code, source and consumer', async () => {
    for (let i = 0; i < 3; i++) await (await gw.fetch('/open/x')).arrayBuffer();
    await (await gw.fetch('/keyed/x', { headers: { apikey: 'worker-key-123' } })).arrayBuffer();
    await (await gw.fetch('/keyed/x')).arrayBuffer();
    await (await gw.fetch('/dead/x')).arrayBuffer();
    // The log phase runs when the response is finished; give the last one a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const text = await scrape();
    expect(text).toContain('# TYPE kong_http_requests_total counter');
    expect(value(text, 'kong_http_requests_total{service="echo",route="open",code="200",source="service",consumer=""}')).toBe(3);
    expect(value(text, 'kong_http_requests_total{service="echo",route="keyed",code="200",source="service",consumer="worker"}')).toBe(1);
    expect(value(text, 'kong_http_requests_total{service="echo",route="keyed",code="401",source="kong",consumer=""}')).toBe(1);
    expect(value(text, 'kong_http_requests_total{service="dead",route="dead",code="502",source="kong",consumer=""}')).toBe(1);
  });

  it('observes latencies in histograms and adds up bandwidth', async () => {
    const text = await scrape();
    expect(value(text, 'kong_request_latency_ms_count{service="echo",route="open"}')).toBe(3);
    expect(value(text, 'kong_upstream_latency_ms_count{service="echo",route="open"}')).toBe(3);
    expect(value(text, 'kong_kong_latency_ms_count{service="echo",route="open"}')).toBe(3);
    // A refused request never reached the upstream.
    expect(value(text, 'kong_upstream_latency_ms_count{service="echo",route="keyed"}')).toBe(1);
    expect(value(text, 'kong_kong_latency_ms_bucket{le="1000",service="echo",route="open"}')).toBe(3);
    expect(value(text, 'kong_bandwidth_bytes{service="echo",route="open",direction="egress",consumer=""}')).toBeGreaterThan(0);
  });
});
