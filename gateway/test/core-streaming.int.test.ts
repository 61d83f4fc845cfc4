// Streaming both ways with no buffering: a 200 MB upload and download with flat memory, SSE
// events as they happen, and an Upgrade (WebSocket handshake) tunnelled through.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

let upstream: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    config: { _format_version: '3.0', services: [{ name: 'echo', url: upstream.url, routes: [{ name: 'r', paths: ['/s'] }] }] },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const SIZE = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 'y');

describe('streaming', () => {
  it('streams a 200 MB upload through without holding it in memory', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore)), 20);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { port: gw.port, host: '127.0.0.1', path: '/s/upload', method: 'POST', headers: { 'content-length': String(SIZE), 'x-echo-discard': '1' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const write = () => {
        while (sent < SIZE) {
          sent += CHUNK.length;
          if (!req.write(CHUNK)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    clearInterval(sampler);
    expect(JSON.parse(body)).toMatchObject({ body_size: SIZE });
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });

  it('streams a 200 MB download through without holding it in memory', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore)), 20);
    const received = await new Promise<number>((resolve, reject) => {
      request({ port: gw.port, host: '127.0.0.1', path: '/s/download', headers: { 'x-echo-stream': String(SIZE) } }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      })
        .on('error', reject)
        .end();
    });
    clearInterval(sampler);
    expect(received).toBe(SIZE);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });

  it('relays downloads byte for byte to a client that keeps pausing, twice over the pooled connection', async () => {
    // The upstream socket reads into one reused buffer (read-buffer-socket.ts): nothing may be relayed from it after it is overwritten.
    const data = randomBytes(16 * 1024 * 1024);
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
      let offset = 0;
      const pump = () => {
        while (offset < data.length) {
          const piece = data.subarray(offset, offset + 64 * 1024);
          offset += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const fetchSlowly = () => new Promise<Buffer>((resolve, reject) => {
      request({ port: gw.port, host: '127.0.0.1', path: '/s/exact' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (chunks.length % 16 === 0) {
            res.pause();
            setTimeout(() => res.resume(), 5);
          }
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    try {
      const connectionsBefore = upstream.connections();
      for (let i = 0; i < 2; i++) {
        const got = await fetchSlowly();
        expect(got.length).toBe(data.length);
        expect(got.equals(data)).toBe(true);
      }
      expect(upstream.connections() - connectionsBefore).toBeLessThanOrEqual(1);
    } finally {
      upstream.handle(undefined);
    }
  });

  it('survives clients that abort an upload or a download midway', async () => {
    await new Promise<void>((resolve) => {
      const req = request({ port: gw.port, host: '127.0.0.1', path: '/s/upload', method: 'POST', headers: { 'content-length': String(SIZE), 'x-echo-discard': '1' } });
      req.on('error', () => resolve());
      req.write(CHUNK);
      req.write(CHUNK, () => setTimeout(() => req.destroy(), 50));
    });
    await new Promise<void>((resolve) => {
      request({ port: gw.port, host: '127.0.0.1', path: '/s/download', headers: { 'x-echo-stream': String(SIZE) } }, (res) => {
        res.once('data', () => res.destroy());
        res.on('close', () => resolve());
      })
        .on('error', () => resolve())
        .end();
    });
    expect((await gw.fetch('/s/after')).status).toBe(200);
  });

  it('relays server-sent events as they are sent, not at the end', async () => {
    const arrivals: number[] = [];
    const started = Date.now();
    const text = await new Promise<string>((resolve, reject) => {
      request({ port: gw.port, host: '127.0.0.1', path: '/s/events', headers: { 'x-echo-sse': '5', accept: 'text/event-stream' } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let all = '';
        res.on('data', (c: Buffer) => {
          arrivals.push(Date.now() - started);
          all += c.toString();
        });
        res.on('end', () => resolve(all));
      })
        .on('error', reject)
        .end();
    });
    expect(text.match(/^data: event \d$/gm)).toHaveLength(5);
    // Events are 20 ms apart upstream; they must arrive spread out, the first well before the last.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(40);
  });

  it('tunnels an Upgrade (WebSocket handshake) and the bytes after it', async () => {
    const socket = connect(gw.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET /s/ws HTTP/1.1\r\nhost: gw\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await waitFor(() => Buffer.concat(received).toString().includes('\r\n\r\n'));
    const head = Buffer.concat(received).toString();
    expect(head).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
    expect(head.toLowerCase()).toContain('upgrade: websocket');
    expect(head.toLowerCase()).toContain('x-kong-request-id:');
    received.length = 0;
    socket.write('ping-through-the-tunnel');
    await waitFor(() => Buffer.concat(received).toString() === 'ping-through-the-tunnel');
    socket.destroy();
    const seen = upstream.requests.at(-1);
    expect(seen?.path).toBe('/ws');
    expect(seen?.headers.upgrade).toBe('websocket');
    expect(seen?.headers['sec-websocket-key']).toBe('dGhlIHNhbXBsZSBub25jZQ==');
  });

  it('answers an Upgrade to an unknown route with the 404 envelope', async () => {
    const socket = connect(gw.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.write('GET /nowhere HTTP/1.1\r\nhost: gw\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n');
    await waitFor(() => text.includes('no Route matched'));
    expect(text).toMatch(/^HTTP\/1.1 404/);
    socket.destroy();
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
