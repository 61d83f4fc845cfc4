import type { Response } from 'express';
import { AppError } from '../errors/app-error.ts';

/**
 * The Last-Event-ID a reconnecting Server-Sent Events client sends: undefined when absent or empty,
 * else the trimmed id, which must be a non-negative integer of at most `maxDigits` digits (VAL_002
 * otherwise: a malformed cursor must not silently restart the stream from now).
 */
export function parseLastEventId(raw: string | undefined, maxDigits: number): string | undefined {
  const value = raw?.trim();
  if (value === undefined || value === '') return undefined;
  if (!new RegExp(`^\\d{1,${maxDigits}}$`).test(value)) {
    throw new AppError('VAL_002', 'Last-Event-ID must be the id of an event this stream sent', {
      details: [{ field: 'last-event-id', issue: 'invalid_format', message: 'Expected a non-negative integer' }],
    });
  }
  return value;
}

/**
 * Sends the 200 of a Server-Sent Events stream: no caching or proxy buffering (nginx, Kong), Nagle
 * off so small events leave at once, a 3 s reconnect delay for the client and a first comment that
 * flushes the headers.
 */
export function openEventStream(res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  res.write('retry: 3000\n: connected\n\n');
}

/**
 * Calls `end` when the access token expires (unix seconds `exp`): the token's lifetime bounds a
 * stream, and the client reconnects with a fresh token and its Last-Event-ID.
 */
export function endWhenTokenExpires(exp: number, end: () => void): NodeJS.Timeout {
  // setTimeout's limit is about 24.8 days.
  return setTimeout(end, Math.max(0, Math.min(exp * 1000 - Date.now(), 2_147_000_000)));
}
