import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, trace, type Attributes, type SpanContext } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '@platform/shared/errors';
import { metricsRegistry } from '@platform/shared/http';
import { requestStore } from '@platform/shared/logger';
import { createServiceClient, createTokenProvider } from '@platform/shared/service-client';
import { testPrefix } from '@platform/shared/testing';

// A tracer provider and W3C propagator in this process, the way the --import entry sets them up in a service.
// Spans are collected by a processor of our own: structural, so it fits whatever SDK version is installed.
type FinishedSpan = { name: string; kind: SpanKind; spanContext: () => SpanContext; parentSpanContext?: SpanContext; attributes: Attributes };
const finished: FinishedSpan[] = [];
const collect = { onStart: () => {}, onEnd: (span: FinishedSpan) => { finished.push(span); }, forceFlush: async () => {}, shutdown: async () => {} };
const sdk = new NodeSDK({ spanProcessors: [collect], instrumentations: [], metricReaders: [], logRecordProcessors: [] });

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
type Target = { url: string; hits: IncomingMessage[]; bodies: string[]; handle: (h: Handler) => void; close: () => Promise<void> };

const servers: Server[] = [];

async function startTarget(initial: Handler): Promise<Target> {
  let handler = initial;
  const hits: IncomingMessage[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      hits.push(req);
      bodies.push(body);
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, hits, bodies,
    handle: (h) => { handler = h; },
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const ok = (data: unknown) => (_req: IncomingMessage, res: ServerResponse) => json(res, 200, { success: true, status_code: 200, data, meta: {} });
const fail = (status: number, code: string, message = 'boom') => (_req: IncomingMessage, res: ServerResponse) =>
  json(res, status, { success: false, status_code: status, data: null, error: { code, message } });

async function caught(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const gauge = async (target: string) => {
  const metric = await metricsRegistry.getSingleMetric('service_client_breaker_state')?.get();
  return metric?.values.find((v) => v.labels.target === target)?.value;
};

beforeAll(() => sdk.start());
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => { s.close(r); s.closeAllConnections(); })));
  await sdk.shutdown();
});

describe('createServiceClient', () => {
  it('returns the data of the success envelope and sends token, request id, trace context and query', async () => {
    const target = await startTarget(ok({ id: 'u1', display_name: 'Ann' }));
    const client = createServiceClient({ name: testPrefix('user'), baseUrl: `${target.url}/api/v1/`, getToken: async () => 'svc-token' });

    const data = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      try {
        return await requestStore.run({ requestId: 'req-123' }, () =>
          client.get('/internal/users/u1', { query: { fields: ['id', 'display_name'], skip: undefined, limit: 5 } }));
      } finally {
        span.end();
      }
    });

    expect(data).toEqual({ id: 'u1', display_name: 'Ann' });
    const req = target.hits[0]!;
    expect(req.url).toBe('/api/v1/internal/users/u1?fields=id&fields=display_name&limit=5');
    expect(req.headers.authorization).toBe('Bearer svc-token');
    expect(req.headers['x-request-id']).toBe('req-123');
    const traceparent = String(req.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const parent = finished.find((s) => s.name === 'request' && s.spanContext().traceId === traceparent.split('-')[1]);
    const clientSpan = finished.find((s) => s.kind === SpanKind.CLIENT && s.spanContext().spanId === traceparent.split('-')[2]);
    expect(parent).toBeDefined();
    expect(clientSpan?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(clientSpan?.attributes['http.response.status_code']).toBe(200);
  });

  it('sends a JSON body and answers undefined for 204', async () => {
    const target = await startTarget((_req, res) => res.writeHead(204).end());
    const client = createServiceClient({ name: testPrefix('user'), baseUrl: target.url });
    await expect(client.post('/x', { body: { display_name: 'Bob' } })).resolves.toBeUndefined();
    expect(target.hits[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(target.bodies[0]!)).toEqual({ display_name: 'Bob' });
  });

  it('maps a slow target to EXT_001 (504) after the timeout', async () => {
    const target = await startTarget((_req, res) => { setTimeout(() => ok({})(_req, res), 500); });
    const client = createServiceClient({ name: testPrefix('slow'), baseUrl: target.url, timeoutMs: 100, retries: 0 });
    const started = performance.now();
    const err = await caught(client.get('/x'));
    expect(performance.now() - started).toBeLessThan(400);
    expect({ code: err.code, status: err.status }).toEqual({ code: 'EXT_001', status: 504 });
  });

  it('retries an idempotent GET on 503 and returns the answer that finally came', async () => {
    const target = await startTarget(fail(503, 'SYS_003'));
    let calls = 0;
    target.handle((req, res) => (++calls < 3 ? fail(503, 'SYS_003')(req, res) : ok({ n: calls })(req, res)));
    const client = createServiceClient({ name: testPrefix('flaky'), baseUrl: target.url, retries: 2, retryDelayMs: 10 });
    await expect(client.get('/x')).resolves.toEqual({ n: 3 });
    expect(target.hits).toHaveLength(3);
  });

  it('does not retry a POST, but retries one marked idempotent', async () => {
    const target = await startTarget(fail(503, 'SYS_003'));
    const client = createServiceClient({ name: testPrefix('flaky'), baseUrl: target.url, retries: 2, retryDelayMs: 10 });

    const err = await caught(client.post('/x', { body: {} }));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'EXT_003', status: 502 });
    expect(target.hits).toHaveLength(1);

    await caught(client.post('/x', { body: {}, idempotent: true }));
    expect(target.hits).toHaveLength(4);
  });

  it('does not retry a 500 (the target failed, trying again would repeat the failure)', async () => {
    const target = await startTarget(fail(500, 'SYS_001'));
    const client = createServiceClient({ name: testPrefix('broken'), baseUrl: target.url, retryDelayMs: 10 });
    const err = await caught(client.get('/x'));
    expect(err.code).toBe('EXT_003');
    expect(target.hits).toHaveLength(1);
  });

  it('passes a 4xx through with the target code, message, status and details, without retrying', async () => {
    const target = await startTarget((_req, res) => json(res, 409, {
      success: false, status_code: 409, data: null,
      error: { code: 'BIZ_002', message: 'Email is already registered', details: [{ field: 'email', issue: 'taken' }] },
    }));
    const client = createServiceClient({ name: testPrefix('auth'), baseUrl: target.url });
    const err = await caught(client.put('/x', { body: {} }));
    expect({ code: err.code, status: err.status, message: err.message, details: err.options.details }).toEqual({
      code: 'BIZ_002', status: 409, message: 'Email is already registered', details: [{ field: 'email', issue: 'taken' }],
    });
    expect(target.hits).toHaveLength(1);
  });

  it('maps an answer without our envelope to EXT_003 and an unreachable target to EXT_002', async () => {
    const target = await startTarget((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
    const client = createServiceClient({ name: testPrefix('odd'), baseUrl: target.url });
    expect((await caught(client.get('/x'))).code).toBe('EXT_003');

    await target.close();
    const gone = createServiceClient({ name: testPrefix('gone'), baseUrl: target.url, retries: 1, retryDelayMs: 10 });
    const err = await caught(gone.get('/x'));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'EXT_002', status: 503 });
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, answers fast while open, and closes after a successful trial call', async () => {
    const target = await startTarget(fail(500, 'SYS_001'));
    const name = testPrefix('breaker');
    const client = createServiceClient({
      name, baseUrl: target.url, retries: 0,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    });
    expect(await gauge(name)).toBe(0);

    for (let i = 0; i < 3; i++) expect((await caught(client.get('/x'))).code).toBe('EXT_003');
    expect(client.breakerState()).toBe('open');
    expect(await gauge(name)).toBe(2);

    // Open: no network, an immediate EXT_002, or the caller's fallback.
    const hitsWhenOpened = target.hits.length;
    const started = performance.now();
    const err = await caught(client.get('/x'));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'EXT_002', status: 503 });
    await expect(client.get('/x', { onOpen: () => ({ cached: true }) })).resolves.toEqual({ cached: true });
    expect(performance.now() - started).toBeLessThan(20);
    expect(target.hits.length).toBe(hitsWhenOpened);

    // After the reset timeout one trial call goes through; its success closes the breaker.
    target.handle(ok({ back: true }));
    await new Promise((r) => setTimeout(r, 350));
    expect(client.breakerState()).toBe('half_open');
    expect(await gauge(name)).toBe(1);
    await expect(client.get('/x')).resolves.toEqual({ back: true });
    expect(client.breakerState()).toBe('closed');
    expect(await gauge(name)).toBe(0);
    await expect(client.get('/x')).resolves.toEqual({ back: true });
    client.close();
  });

  it('stays closed when the target answers 4xx (it is up, the request was wrong)', async () => {
    const target = await startTarget(fail(404, 'BIZ_001', 'User u9 not found'));
    const client = createServiceClient({ name: testPrefix('breaker'), baseUrl: target.url, breaker: { volumeThreshold: 2 } });
    for (let i = 0; i < 5; i++) expect((await caught(client.get('/x'))).status).toBe(404);
    expect(client.breakerState()).toBe('closed');
  });

  it('is shared by every client of the same target', async () => {
    const target = await startTarget(fail(503, 'SYS_003'));
    const name = testPrefix('shared');
    const first = createServiceClient({ name, baseUrl: target.url, retries: 0, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } });
    const second = createServiceClient({ name, baseUrl: target.url, retries: 0 });
    await caught(first.get('/x'));
    await caught(first.get('/x'));
    expect(second.breakerState()).toBe('open');
    first.close();
    expect(second.breakerState()).toBe('open');
    second.close();
    const fresh = createServiceClient({ name, baseUrl: target.url, retries: 0 });
    expect(fresh.breakerState()).toBe('closed');
    fresh.close();
  });

  it('counts calls by outcome', async () => {
    const target = await startTarget(ok(1));
    const name = testPrefix('counted');
    const client = createServiceClient({ name, baseUrl: target.url });
    await client.get('/x');
    await client.get('/x');
    const text = await metricsRegistry.getSingleMetricAsString('service_client_requests_total');
    expect(text).toContain(`service_client_requests_total{target="${name}",method="GET",outcome="ok"} 2`);
  });
});

describe('createTokenProvider', () => {
  it('fetches a client_credentials token once for concurrent callers and reuses it', async () => {
    const auth = await startTarget(ok({ access_token: 'tok-1', token_type: 'Bearer', expires_in: 900 }));
    const getToken = createTokenProvider({ authUrl: auth.url, clientId: 'user-service', clientSecret: 's3cret' });

    const tokens = await Promise.all([getToken(), getToken(), getToken()]);
    expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(await getToken()).toBe('tok-1');
    expect(auth.hits).toHaveLength(1);
    expect(auth.hits[0]!.url).toBe('/api/v1/public/auth/token');
    expect(JSON.parse(auth.bodies[0]!)).toEqual({ grant_type: 'client_credentials', client_id: 'user-service', client_secret: 's3cret' });
  });

  it('refetches once when the target rejects the cached token with 401', async () => {
    let minted = 0;
    const auth = await startTarget((req, res) => ok({ access_token: `tok-${++minted}`, expires_in: 900 })(req, res));
    const target = await startTarget((req, res) =>
      req.headers.authorization === 'Bearer tok-2' ? ok('hello')(req, res) : fail(401, 'AUTH_001', 'Session has been revoked')(req, res));
    const getToken = createTokenProvider({ authUrl: auth.url, clientId: 'c', clientSecret: 's' });
    const client = createServiceClient({ name: testPrefix('needs-token'), baseUrl: target.url, getToken });

    await expect(client.post('/x', { body: {} })).resolves.toBe('hello');
    expect(target.hits.map((h) => h.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('reports rejected credentials as EXT_003, not as the caller\'s 401', async () => {
    const auth = await startTarget(fail(401, 'AUTH_001', 'Invalid client credentials'));
    const getToken = createTokenProvider({ authUrl: auth.url, clientId: 'c', clientSecret: 'wrong' });
    const err = await caught(getToken());
    expect({ code: err.code, status: err.status }).toEqual({ code: 'EXT_003', status: 502 });
  });
});

describe('ServiceClient.stream', () => {
  it('hands a 2xx body over unread, with the token, and maps errors like the other calls', async () => {
    const target = await startTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('id,email\n');
      setTimeout(() => res.end('1,a@example.com\n'), 20);
    });
    const client = createServiceClient({ name: testPrefix('file'), baseUrl: target.url, getToken: async () => 'svc-token' });
    const answer = await client.stream('/internal/files/1/content');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv');
    expect(await new Response(answer.body).text()).toBe('id,email\n1,a@example.com\n');
    expect(target.hits[0]!.headers.authorization).toBe('Bearer svc-token');

    target.handle(fail(404, 'BIZ_001', 'File 1 not found'));
    expect(await caught(client.stream('/internal/files/1/content'))).toMatchObject({ code: 'BIZ_001', status: 404, message: 'File 1 not found' });
    target.handle(fail(503, 'SYS_003'));
    expect(await caught(client.stream('/internal/files/1/content'))).toMatchObject({ code: 'EXT_003' });
    await target.close();
    expect(await caught(client.stream('/internal/files/1/content'))).toMatchObject({ code: 'EXT_002' });
    client.close();
  });

  it('times out while waiting for the headers only', async () => {
    const target = await startTarget(() => {});
    const client = createServiceClient({ name: testPrefix('slowfile'), baseUrl: target.url, timeoutMs: 100 });
    expect(await caught(client.stream('/x'))).toMatchObject({ code: 'EXT_001' });
    client.close();
  });
});
