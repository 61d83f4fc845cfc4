import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeServer = { url: string; server: Server; close(): Promise<void> };

/** A local HTTP server for a fake of another service or an external source. */
export async function startFakeServer(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>): Promise<FakeServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.local');
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const envelope = (data: unknown, status = 200) => ({ success: true, status_code: status, data, meta: {} });
export const errorEnvelope = (status: number, code: string, message: string) =>
  ({ success: false, status_code: status, data: null, error: { code, message } });
