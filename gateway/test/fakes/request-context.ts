// A hand-made RequestContext for plugin unit tests: a real IncomingMessage (so a test can push a
// body through it) and a response double that records what a plugin writes.
import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Consumer, Route, Service } from '../../src/declarative/model.ts';
import type { RequestContext } from '../../src/plugins/plugin.ts';

export type RecordedResponse = {
  statusCode: number;
  headers: Record<string, string | string[] | number>;
  body: Buffer;
  ended: boolean;
};

export type FakeContextOptions = {
  method?: string;
  url?: string;
  /** Request headers as sent (names in any case; repeated headers as arrays). */
  headers?: Record<string, string | string[]>;
  clientIp?: string;
  consumer?: Consumer;
  credential?: RequestContext['credential'];
  route?: Partial<Route>;
  service?: Partial<Service>;
};

export const testService: Service = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'echo',
  protocol: 'http',
  host: '127.0.0.1',
  port: 9,
  path: '/',
  retries: 5,
  connectTimeoutMs: 60_000,
  readTimeoutMs: 60_000,
  writeTimeoutMs: 60_000,
};

export const testRoute: Route = {
  id: '22222222-2222-4222-8222-222222222222',
  name: 'echo-route',
  serviceId: testService.id,
  prefixPaths: ['/api'],
  regexPaths: [],
  methods: null,
  hosts: null,
  stripPath: true,
  preserveHost: false,
  regexPriority: 0,
  protocols: ['http', 'https'],
  pathHandling: 'v0',
  httpsRedirectStatusCode: 426,
  requestBuffering: true,
  responseBuffering: true,
};

function fakeResponse(): { res: ServerResponse; recorded: RecordedResponse } {
  const recorded: RecordedResponse = { statusCode: 200, headers: {}, body: Buffer.alloc(0), ended: false };
  const res = {
    get statusCode() {
      return recorded.statusCode;
    },
    set statusCode(code: number) {
      recorded.statusCode = code;
    },
    get headersSent() {
      return recorded.ended;
    },
    get writableEnded() {
      return recorded.ended;
    },
    setHeader(name: string, value: string | string[] | number) {
      recorded.headers[name.toLowerCase()] = value;
      return res;
    },
    getHeader(name: string) {
      return recorded.headers[name.toLowerCase()];
    },
    removeHeader(name: string) {
      delete recorded.headers[name.toLowerCase()];
    },
    writeHead(status: number, headers?: Record<string, string | string[] | number>) {
      recorded.statusCode = status;
      for (const [name, value] of Object.entries(headers ?? {})) recorded.headers[name.toLowerCase()] = value;
      return res;
    },
    end(body?: string | Buffer) {
      if (body !== undefined) recorded.body = Buffer.concat([recorded.body, Buffer.from(body)]);
      recorded.ended = true;
      return res;
    },
  };
  return { res: res as unknown as ServerResponse, recorded };
}

export function fakeContext(options: FakeContextOptions = {}): RequestContext & { recorded: RecordedResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = options.method ?? 'GET';
  req.url = options.url ?? '/api/things';
  req.httpVersion = '1.1';
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) req.rawHeaders.push(name, one);
    const lower = name.toLowerCase();
    req.headers[lower] = Array.isArray(value) && lower !== 'set-cookie' ? value.join(', ') : value;
  }
  const { res, recorded } = fakeResponse();
  const url = new URL(req.url, 'http://gateway');
  const upstreamHeaders: Record<string, string | string[] | undefined> = { ...req.headers };
  return {
    req,
    res,
    recorded,
    route: { ...testRoute, ...options.route },
    service: { ...testService, ...options.service },
    clientIp: options.clientIp ?? '127.0.0.1',
    startedAt: process.hrtime.bigint(),
    consumer: options.consumer,
    credential: options.credential,
    upstream: { method: req.method, path: url.pathname, query: url.searchParams, headers: upstreamHeaders },
    responseHeaders: {},
    shared: new Map(),
  };
}
