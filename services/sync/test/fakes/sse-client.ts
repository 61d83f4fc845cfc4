import { request, type IncomingMessage } from 'node:http';

export type SseEvent = { id: string | null; event: string; data: string };

export type SseStream = {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body when the answer was not a stream (an error envelope). */
  body: string;
  events: SseEvent[];
  /** What the client's Last-Event-ID is now (ids of events and of id-only frames). */
  lastEventId(): string | null;
  comments: number;
  waitFor(pred: (s: SseStream) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
};

/** A minimal EventSource: GET with headers, frames parsed as the spec reads them. */
export function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let buffer = '';
      let last: string | null = headers['last-event-id'] ?? null;
      const s: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        comments: 0,
        lastEventId: () => last,
        async waitFor(pred, timeoutMs = 10_000) {
          const until = Date.now() + timeoutMs;
          while (!pred(s)) {
            if (Date.now() > until) throw new Error(`sse: condition not met; got ${s.events.length} events`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        close: () => { req.destroy(); },
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (s.status !== 200) { s.body += chunk; return; }
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { s.comments += 1; continue; }
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          if (id !== null) last = id;
          if (data.length > 0) s.events.push({ id, event, data: data.join('\n') });
        }
      });
      res.on('error', () => {});
      resolve(s);
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
    req.end();
  });
}
