// A Server-Sent Events client over fetch that records every event and comment line, as a browser's
// EventSource would see them (parsed per the SSE spec, enough for id/event/data/retry and comments).
export type SseEvent = { id: string | undefined; event: string; data: string };

export type SseStream = {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** Resolves once at least n events arrived. */
  waitForEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
};

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream & { body: string }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const stream = { status: res.status, headers: res.headers, events, comments, body: '' } as SseStream & { body: string };
  if (!res.ok || !res.body) {
    stream.body = await res.text();
    stream.ended = Promise.resolve();
    stream.close = () => {};
    stream.waitForEvents = () => Promise.reject(new Error(`stream answered ${res.status}`));
    return stream;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  stream.ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: SseEvent = { id: undefined, event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { comments.push(line.slice(1).trim()); continue; }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') { event.data += (hasData ? '\n' : '') + value; hasData = true; }
          }
          if (hasData) events.push(event);
          for (const w of [...waiters]) w();
        }
      }
    } catch { /* aborted */ }
  })();
  stream.waitForEvents = (n, timeoutMs = 10_000) => new Promise((resolve, reject) => {
    const check = () => {
      if (events.length >= n) { waiters.delete(check); clearTimeout(timer); resolve(events); }
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`only ${events.length} of ${n} events within ${timeoutMs} ms`)); }, timeoutMs);
    waiters.add(check);
    check();
  });
  stream.close = () => abort.abort();
  return stream;
}
