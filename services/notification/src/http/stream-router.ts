import { Router, type RequestHandler, type Response } from 'express';
import { actorOf } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import type { Logger } from '@platform/shared/logger';
import type { Db } from '@platform/shared/db';
import { endWhenTokenExpires, openEventStream, parseLastEventId } from '@platform/shared/http';
import type { InboxRepo } from '../usecases/inbox.ts';
import type { LiveFeed, LiveMessage } from '../usecases/live-feed.ts';
import { toNotificationJson } from './notification-presenters.ts';

export type StreamSettings = {
  heartbeatMs: number;
  /** Open streams per user in this process (0: no limit). */
  maxPerUser: number;
  /** A client whose unsent output passes this is cut off (it resumes with Last-Event-ID). */
  maxBufferedBytes: number;
};

export type StreamHub = { router: Router; open(): number; closeAll(): void };

const BACKFILL_PAGE = 200;
const REMEMBERED_SEQS = 1_000;

const frameOf = (m: LiveMessage) => (m.frame ??= `id: ${m.seq}\nevent: notification\ndata: ${m.json}\n\n`);

type Stream = { userId: string; res: Response; resync(): void; end(): void };

/**
 * GET /notifications/stream: Server-Sent Events of the caller's new notifications. Order of work
 * for a gap-free resume: subscribe to the live feed first (messages are held), read what the
 * client missed from the database (seq > Last-Event-ID), then release the held messages; a seq
 * already sent is never sent twice. Heartbeat comments keep proxies from timing out; the stream
 * ends when the access token expires, when the client lags too far behind, or on shutdown.
 */
export function createStreamHub(
  deps: { db: Db; inbox: InboxRepo; feed: LiveFeed; logger: Logger; settings: StreamSettings },
  { authenticated }: { authenticated: RequestHandler },
): StreamHub {
  const streams = new Set<Stream>();
  const perUser = new Map<string, number>();
  const { heartbeatMs, maxPerUser, maxBufferedBytes } = deps.settings;

  const heartbeat = setInterval(() => {
    for (const s of streams) if (!s.res.writableEnded) s.res.write(': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  deps.feed.onResync(() => { for (const s of streams) s.resync(); });

  const router = Router();
  router.get('/notifications/stream', authenticated, async (req, res) => {
    const actor = actorOf(req);
    const lastEventId = parseLastEventId(req.get('last-event-id') ?? (typeof req.query.last_event_id === 'string' ? req.query.last_event_id : undefined), 18);
    const userId = actor.id;
    if (maxPerUser > 0 && (perUser.get(userId) ?? 0) >= maxPerUser) {
      throw new AppError('BIZ_003', `At most ${maxPerUser} open notification streams per user`);
    }

    const sent = new Set<number>();
    const order: number[] = [];
    let held: LiveMessage[] | null = [];
    let cursor = '0';
    let closed = false;

    const write = (m: LiveMessage) => {
      if (closed || sent.has(m.seq)) return;
      sent.add(m.seq);
      order.push(m.seq);
      if (order.length > REMEMBERED_SEQS) sent.delete(order.shift()!);
      if (BigInt(m.seq) > BigInt(cursor)) cursor = String(m.seq);
      res.write(frameOf(m));
      if (res.writableLength > maxBufferedBytes) {
        deps.logger.warn('sse client too slow; closing its stream', { buffered: res.writableLength });
        stream.end();
      }
    };
    const onLive = (m: LiveMessage) => (held ? held.push(m) : write(m));

    /** Writes every stored notification after `from`, then whatever arrived live meanwhile. */
    const backfill = async (from: string) => {
      held ??= [];
      try {
        for (let after = from; !closed;) {
          const rows = await deps.inbox.listAfter(deps.db, userId, after, BACKFILL_PAGE);
          for (const n of rows) write({ seq: Number(n.seq), json: JSON.stringify(toNotificationJson(n)) });
          if (rows.length < BACKFILL_PAGE) break;
          after = rows.at(-1)!.seq;
        }
      } finally {
        // Two overlapping resyncs: the first to finish releases what was held, the second finds nothing.
        const pending = held ?? [];
        held = null;
        for (const m of pending) write(m);
      }
    };

    const stream: Stream = {
      userId,
      res,
      resync: () => {
        if (!closed) backfill(cursor).catch((err: unknown) => deps.logger.warn('sse resync failed', { err }));
      },
      end: () => {
        if (!closed) res.end();
        cleanup();
      },
    };

    let unsubscribe: (() => void) | null = null;
    const timers: { expiry?: NodeJS.Timeout } = {};
    function cleanup() {
      if (closed) return;
      closed = true;
      clearTimeout(timers.expiry);
      unsubscribe?.();
      if (streams.delete(stream)) {
        const n = (perUser.get(userId) ?? 1) - 1;
        if (n > 0) perUser.set(userId, n); else perUser.delete(userId);
      }
    }

    try {
      unsubscribe = await deps.feed.subscribe(userId, onLive);
    } catch (err) {
      throw new AppError('SYS_003', 'Live notifications are unavailable right now', { cause: err });
    }
    streams.add(stream);
    perUser.set(userId, (perUser.get(userId) ?? 0) + 1);
    // The response's close (not the request's, which may fire once its body is read) means the client is gone.
    res.on('close', cleanup);

    openEventStream(res);
    timers.expiry = endWhenTokenExpires(actor.exp, () => stream.end());

    try {
      // Without Last-Event-ID the stream starts now: nothing stored is replayed, but the cursor
      // still starts at the newest row so a resync after a Redis outage knows where to read from.
      const from = lastEventId ?? await deps.inbox.lastSeq(deps.db, userId);
      cursor = from;
      if (lastEventId !== undefined) {
        await backfill(from);
      } else {
        const pending = held;
        held = null;
        for (const m of pending ?? []) write(m);
      }
    } catch (err) {
      deps.logger.warn('sse backfill failed; closing the stream', { err });
      stream.end();
    }
  });

  return {
    router,
    open: () => streams.size,
    closeAll() {
      clearInterval(heartbeat);
      for (const s of [...streams]) s.end();
    },
  };
}
