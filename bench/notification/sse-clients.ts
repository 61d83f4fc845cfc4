// Many SSE clients in this process, each its own socket (raw node:http, no keep-alive pool), that
// count the notification events they receive and note when the last one came.
import { request, type ClientRequest } from 'node:http';

export type SseClient = { received: number; lastAt: number; req: ClientRequest; open: boolean };

export type SseClients = {
  clients: SseClient[];
  /** Opens `count` more clients, `concurrency` connecting at once; resolves when all got their 200. */
  add(count: number, concurrency: number): Promise<{ seconds: number; failures: number; firstError?: string }>;
  closeAll(): void;
};

export function createSseClients(url: string, token: string): SseClients {
  const clients: SseClient[] = [];
  const target = new URL(url);

  function connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const client = { received: 0, lastAt: 0, open: false } as SseClient;
      const req = request({
        host: target.hostname, port: target.port, path: target.pathname, method: 'GET', agent: false,
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`stream answered ${res.statusCode}`));
        }
        client.open = true;
        clients.push(client);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // One notification is one small frame; count frames by their event line.
          for (let at = chunk.indexOf('event: notification'); at >= 0; at = chunk.indexOf('event: notification', at + 1)) {
            client.received++;
            client.lastAt = performance.now();
          }
        });
        res.on('close', () => { client.open = false; });
        resolve();
      });
      client.req = req;
      req.on('error', (err) => { client.open = false; reject(err); });
      req.end();
    });
  }

  return {
    clients,
    async add(count, concurrency) {
      const started = performance.now();
      let next = 0;
      let failures = 0;
      let firstError: string | undefined;
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          next++;
          try { await connect(); } catch (err) { failures++; firstError ??= (err as Error).message; }
        }
      }));
      return { seconds: (performance.now() - started) / 1000, failures, ...(firstError && { firstError }) };
    },
    closeAll() {
      for (const c of clients) c.req.destroy();
    },
  };
}
