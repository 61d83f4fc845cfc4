// A local OTLP/HTTP trace receiver for scenario (d), in its own process: it accepts every export
// (200, empty protobuf response) and only counts requests and bytes, so the gateway pays the full
// cost of batching, encoding and sending its spans while nothing leaves the machine.
// `GET /count` answers {"exports":n,"bytes":n}. Usage: otlp-sink.ts <port>
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on('data', (chunk: Buffer) => { bytes += chunk.length; });
  req.on('end', () => {
    exports++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
