// request-size-limiting on a chunked body (no Content-Length): the body streams to the upstream
// and the gateway answers 413 once more than the limit has arrived (upstream.bodyLimit), without
// sending the upstream the chunk that crossed the limit or anything after it.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, startGateway, type EchoRequest, type EchoUpstream, type TestGateway } from './support/gateway-harness.ts';

const LIMIT = 4096;
const CHUNK = 1024;

let upstream: EchoUpstream;
/** An upstream that answers as soon as the request starts, then reads the body (the response has started). */
let early: Server;
let earlyReceived: Buffer[] = [];
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  early = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started\n');
    req.on('data', (c: Buffer) => earlyReceived.push(c));
    req.on('end', () => res.end('done\n'));
  });
  await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
  const limited = { name: 'request-size-limiting', config: { allowed_payload_size: LIMIT / 1024, size_unit: 'kilobytes' } };
  gw = await startGateway({
    config: {
      _format_version: '3.0',
      services: [
        { name: 'echo', url: upstream.url, routes: [{ name: 'small', paths: ['/small'], plugins: [limited] }] },
        { name: 'early', url: `http://127.0.0.1:${(early.address() as AddressInfo).port}`, routes: [{ name: 'early', paths: ['/early'], plugins: [limited] }] },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  early?.closeAllConnections();
  await new Promise((resolve) => early?.close(resolve));
});

type Answer = { status: number; headers: IncomingHttpHeaders; body: string; complete: boolean };

/**
 * POSTs `chunks` chunks of CHUNK bytes, chunked, a few ms apart: the chunks within LIMIT are 'a',
 * every later one 'z', so a 'z' at the upstream is a byte sent past the limit.
 */
function streamPost(path: string, chunks: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${gw.url}${path}`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' } }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString(), complete: res.complete });
      res.on('data', (c: Buffer) => parts.push(c));
      res.once('end', done);
      res.once('close', done);
      res.on('error', () => {});
    });
    // Once the gateway answered it may close the connection while the client is still sending: not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    let sent = 0;
    const next = () => {
      if (req.destroyed) return;
      if (sent === chunks) return void req.end();
      req.write(Buffer.alloc(CHUNK, sent * CHUNK < LIMIT ? 'a' : 'z'));
      sent += 1;
      setTimeout(next, 5);
    };
    next();
  });
}

async function nextIncomplete(seen: number): Promise<EchoRequest> {
  for (let i = 0; i < 100 && upstream.incomplete.length === seen; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const cut = upstream.incomplete[seen];
  if (!cut) throw new Error('the upstream never saw the request end early');
  return cut;
}

describe('request-size-limiting on a streamed body', () => {
  it('lets a chunked body of exactly the limit through, whole', async () => {
    const res = await streamPost('/small/upload', LIMIT / CHUNK);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as EchoRequest).body_size).toBe(LIMIT);
  });

  it("answers Kong's 413 once the streamed body passes the limit; the upstream gets nothing past it", async () => {
    const seenRequests = upstream.requests.length;
    const seenIncomplete = upstream.incomplete.length;
    const res = await streamPost('/small/upload', 64);
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ success: false, status_code: 413, data: null, error: { code: 'REQ_413', message: 'Request size limit exceeded' } });
    // The upstream request was destroyed mid-body: it never completed, and got at most the limit
    // (less than limit + one chunk), none of it from the chunks past the limit.
    const cut = await nextIncomplete(seenIncomplete);
    expect(upstream.requests.length).toBe(seenRequests);
    expect(cut.body_size).toBeLessThanOrEqual(LIMIT);
    expect(cut.body_size).toBeLessThan(LIMIT + CHUNK);
    expect(cut.body).not.toContain('z');
    // Only one attempt: no retry of a body cut by the limit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.incomplete.length).toBe(seenIncomplete + 1);
  });

  it("is not counted against the upstream's circuit breaker", async () => {
    for (let i = 0; i < 6; i++) expect((await streamPost('/small/upload', 8)).status).toBe(413);
    const res = await streamPost('/small/upload', 2);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as EchoRequest).body_size).toBe(2 * CHUNK);
  });

  it("cuts the client's connection when the upstream's response had already started", async () => {
    earlyReceived = [];
    const res = await streamPost('/early/upload', 64);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(false);
    expect(res.body).not.toContain('done');
    const received = Buffer.concat(earlyReceived);
    expect(received.length).toBeLessThanOrEqual(LIMIT);
    expect(received.includes('z')).toBe(false);
  });
});
