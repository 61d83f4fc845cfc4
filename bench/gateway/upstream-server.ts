// The benchmark's upstream, in its own process: a bare node:http server answering every request
// with one small JSON envelope, so what is measured in front of it is the proxy and not the service.
// `GET …/echo-headers` returns the request headers instead: the bench's sanity checks use it to see
// what a proxy forwarded (consumer headers, correlation id, traceparent). Usage: upstream-server.ts <port>
import { createServer } from 'node:http';

const BODY = JSON.stringify({ success: true, status_code: 200, data: { id: 'bench', ok: true }, error: null });
const HEADERS = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) };

const server = createServer((req, res) => {
  // Drain any request body before answering, so the connection stays reusable.
  req.resume();
  if (req.url?.endsWith('/echo-headers')) {
    const echoed = JSON.stringify({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(echoed) });
    res.end(echoed);
    return;
  }
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
// Longer than any proxy's idle keep-alive, so a proxy never reuses a socket this side just closed.
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
