// A local upstream for gateway tests: answers every request with JSON describing what it received.
// Behaviour is steered per request by headers (they travel through the gateway like any other):
//   x-echo-status: 503          answer with this status (body is still the echo JSON)
//   x-echo-delay: 200           wait this many ms before answering (timeouts, breaker)
//   x-echo-close: 1             destroy the socket without answering (connection reset)
//   x-echo-stream: 1048576      answer with this many bytes, streamed in 64 KiB chunks (not JSON)
//   x-echo-sse: 3               answer text/event-stream with 3 events 20 ms apart, then end
//   x-echo-header-<name>: v     add response header <name>: v (e.g. x-echo-header-set-cookie)
//   x-echo-discard: 1           count the request body without keeping it (large uploads)
// `handle(fn)` replaces the behaviour for the next requests (return false to fall back to echo).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type EchoRequest = {
  method: string;
  /** Path and query as the upstream received them. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 (empty with x-echo-discard). */
  body: string;
  body_size: number;
};

export type EchoHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | void;

export type EchoUpstream = {
  /** http://127.0.0.1:<port>, for a service `url`. */
  url: string;
  port: number;
  /** Every request received, oldest first (headers and sizes; bodies as UTF-8). */
  requests: EchoRequest[];
  /** Requests whose body never ended (the sender cut them off), with the part that arrived; not in `requests`. */
  incomplete: EchoRequest[];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections(): number;
  /** Custom behaviour for the next requests; return false from fn to answer with the echo instead. */
  handle(fn: EchoHandler | undefined): void;
  /** Upgrade requests (WebSocket handshakes) get a 101 and the socket echoes bytes back. */
  close(): Promise<void>;
};

const CHUNK = Buffer.alloc(64 * 1024, 'x');

function describe(req: IncomingMessage, body: Buffer, size: number): EchoRequest {
  const url = new URL(req.url ?? '/', 'http://upstream');
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: body.toString('utf8'),
    body_size: size,
  };
}

function streamBytes(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let left = total;
  const write = () => {
    while (left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
}

function sendEvents(res: ServerResponse, count: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    res.write(`id: ${sent}\ndata: event ${sent}\n\n`);
    sent += 1;
    if (sent === count) {
      clearInterval(timer);
      res.end();
    }
  }, 20);
  res.on('close', () => clearInterval(timer));
}

function extraHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-echo-header-') && typeof value === 'string') out[name.slice('x-echo-header-'.length)] = value;
  }
  return out;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const requests: EchoRequest[] = [];
  const incomplete: EchoRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let custom: EchoHandler | undefined;

  const server: Server = createServer((req, res) => {
    const discard = req.headers['x-echo-discard'] === '1';
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!discard) chunks.push(chunk);
    });
    req.once('close', () => {
      if (!req.complete) incomplete.push(describe(req, Buffer.concat(chunks), size));
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen = describe(req, body, size);
      requests.push(seen);
      if (custom && custom(req, res, body) !== false) return;
      const h = req.headers;
      if (h['x-echo-close'] === '1') return void req.socket.destroy();
      const answer = () => {
        if (h['x-echo-stream']) return streamBytes(res, Number(h['x-echo-stream']));
        if (h['x-echo-sse']) return sendEvents(res, Number(h['x-echo-sse']));
        const json = JSON.stringify(seen);
        res.writeHead(Number(h['x-echo-status'] ?? 200), {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(json)),
          ...extraHeaders(h),
        });
        res.end(json);
      };
      const delay = Number(h['x-echo-delay'] ?? 0);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A minimal upgrade: 101 then echo every byte back (enough to prove the gateway tunnels it).
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    requests.push(describe(req, Buffer.alloc(0), 0));
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: ' + (req.headers.upgrade ?? 'websocket') + '\r\nconnection: Upgrade\r\n\r\n',
    );
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    incomplete,
    connections: () => connections,
    handle: (fn) => { custom = fn; },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
