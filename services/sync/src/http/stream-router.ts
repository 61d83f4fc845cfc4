import { Router, type Request, type Response } from 'express';
import { actorOf, type Guards } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import { endWhenTokenExpires, openEventStream, parseLastEventId, validate } from '@platform/shared/http';
import type { ChangeFeedDeps, ChangeHint } from '../usecases/change-feed-ports.ts';
import { readChanges, type ChangesRead, type Since } from '../usecases/read-changes.ts';
import { sinceOf, streamQuery } from './change-schemas.ts';

export type ChangeStreamSettings = {
  /** A comment (and the cursor as `id:`) at least this often, so proxies keep the connection. */
  heartbeatMs: number;
  /** Re-read the log this often even without a hint (a hint lost with a Redis hiccup). */
  pollMs: number;
  /** A client whose unsent output passes this is cut off (it resumes with Last-Event-ID). */
  maxBufferedBytes: number;
};

export type ChangeStreams = { router: Router; open(): number; closeAll(): void };

const PAGE = 500;

type Deps = Pick<ChangeFeedDeps, 'db' | 'changes' | 'signal' | 'retentionDays' | 'logger'>;

/**
 * GET /sync/stream (the caller's own changes) and GET /services/users/sync/stream (every user's,
 * service accounts): Server-Sent Events, one `change` event per change with `id:` = the change id.
 * The log is the only source: the stream reads it from its cursor (Last-Event-ID, else ?since=,
 * else from now) page by page, then again whenever a hint says something was committed (or every
 * pollMs). Each change is written once, in id order, and a reconnect with the last id received
 * continues exactly after it. Heartbeats carry `id:` = the stream's cursor, which moves past other
 * users' changes too, so a resume does not start far behind.
 */
export function createChangeStreams(deps: Deps, guards: Pick<Guards, 'user' | 'service'>, settings: ChangeStreamSettings): ChangeStreams {
  const streams = new Set<() => void>();

  async function stream(req: Request, res: Response, userId: string | null): Promise<void> {
    const q = validate(streamQuery, req.query, 'query');
    const header = parseLastEventId(req.get('last-event-id'), 15);
    const since: Since = header ? { after: Number(header) } : sinceOf(q.since ?? 'latest');
    const actor = actorOf(req);

    // The first read happens before the 200: an expired cursor is a 410 envelope, not a broken stream.
    let pending: ChangesRead | null = await readChanges(deps, { since, limit: PAGE, userId });
    /** Every change up to here was written (or is not the caller's); -1 until the first page is out. */
    let cursor = -1;
    let advertised = header ? Number(header) : -1;
    let closed = false;
    let pumping = false;
    let again = false;
    const timers: { beat?: NodeJS.Timeout; poll?: NodeJS.Timeout; expiry?: NodeJS.Timeout } = {};
    let unsubscribe: (() => void) | undefined;

    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(timers.beat);
      clearInterval(timers.poll);
      clearTimeout(timers.expiry);
      unsubscribe?.();
      streams.delete(end);
      if (!res.writableEnded) res.end();
    };

    /** Writes a frame; resolves when the socket can take more (backpressure). */
    const write = (chunk: string): Promise<void> | undefined => {
      if (closed) return undefined;
      const ok = res.write(chunk);
      if (res.writableLength > settings.maxBufferedBytes) {
        deps.logger.warn('change stream client too slow; closing its stream', { buffered: res.writableLength });
        end();
        return undefined;
      }
      return ok ? undefined : new Promise<void>((resolve) => {
        const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
        res.once('drain', done);
        res.once('close', done);
      });
    };

    /** Reads from the cursor until caught up; a wake-up while reading makes it read once more. One pump at a time. */
    const pump = async () => {
      if (pumping) { again = true; return; }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            if (closed) return;
            const page: ChangesRead = pending ?? await readChanges(deps, { since: { after: cursor }, limit: PAGE, userId });
            pending = null;
            for (const c of page.items) {
              if (closed) return;
              await write(`id: ${c.id}\nevent: change\ndata: ${c.json}\n\n`);
              advertised = c.id;
            }
            cursor = page.nextCursor;
            if (!page.hasMore) break;
          }
        } while (again && !closed);
      } catch (err) {
        if (!closed) {
          deps.logger.warn('change stream read failed; closing the stream (the client resumes)', { err });
          end();
        }
      } finally {
        pumping = false;
      }
    };

    const onHint = (hint: ChangeHint | null) => {
      if (closed) return;
      if (hint && hint.maxId <= cursor) return;
      if (hint && userId && !hint.userIds.includes(userId)) return;
      void pump();
    };

    try {
      unsubscribe = await deps.signal.subscribe(onHint);
    } catch (err) {
      throw new AppError('SYS_003', 'The change stream is unavailable right now', { cause: err });
    }
    streams.add(end);
    res.on('close', end);

    openEventStream(res);

    timers.beat = setInterval(() => {
      // An `id:` without data moves the client's Last-Event-ID without dispatching an event.
      const id = cursor > advertised ? `id: ${cursor}\n` : '';
      if (id) advertised = cursor;
      void write(`${id}: ping\n\n`);
    }, settings.heartbeatMs);
    timers.poll = setInterval(() => void pump(), settings.pollMs);
    timers.expiry = endWhenTokenExpires(actor.exp, end);

    // The first page, then whatever was committed since it was read (before the subscription too).
    void pump().then(() => pump());
  }

  const router = Router();
  router.get('/sync/stream', guards.user, (req, res) => stream(req, res, actorOf(req).id));
  router.get('/services/users/sync/stream', guards.service, (req, res) => stream(req, res, null));
  return {
    router,
    open: () => streams.size,
    closeAll() {
      for (const end of [...streams]) end();
    },
  };
}
