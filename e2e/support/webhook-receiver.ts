// A real HTTP endpoint for webhooks: records each request with its raw body and answers with the
// status the test chooses (one per request in order, then the default).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedHook = { headers: IncomingHttpHeaders; body: string; status: number; receivedAt: number };

export type WebhookReceiver = {
  url: string;
  received: ReceivedHook[];
  /** Statuses for the next requests, in order; afterwards `defaultStatus`. */
  respondWith(...statuses: number[]): void;
  defaultStatus: number;
  waitFor(match: (h: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>;
  close(): Promise<void>;
};

export async function startWebhookReceiver(path = '/hook', { onHook }: { onHook?: (h: ReceivedHook) => void } = {}): Promise<WebhookReceiver> {
  const queue: number[] = [];
  const received: ReceivedHook[] = [];
  const waiters = new Set<{ match: (h: ReceivedHook) => boolean; resolve: (h: ReceivedHook) => void }>();
  const receiver: WebhookReceiver = {
    url: '',
    received,
    defaultStatus: 200,
    respondWith: (...statuses) => { queue.push(...statuses); },
    waitFor(match, timeoutMs = 20_000) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (h: ReceivedHook) => { clearTimeout(timer); resolve(h); } };
        const timer = setTimeout(() => { waiters.delete(waiter); reject(new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`)); }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = queue.shift() ?? receiver.defaultStatus;
      const hook = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status, receivedAt: performance.now() };
      received.push(hook);
      onHook?.(hook);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      for (const w of waiters) if (w.match(hook)) { waiters.delete(w); w.resolve(hook); }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
