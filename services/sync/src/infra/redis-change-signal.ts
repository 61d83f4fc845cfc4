import type { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';
import type { ChangeHint, ChangeSignal } from '../usecases/change-feed-ports.ts';

export const DEFAULT_CHANGE_CHANNEL = 'sync:changes';
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Redis pub/sub hints that changes were committed: {max_id, user_ids}. They only wake the streams,
 * which read the log from their cursor, so a lost hint delays a change (until the next hint or the
 * stream's poll) and never loses or repeats one. One subscriber connection per process (opened on
 * the first subscribe); after a reconnect every listener gets `null` (re-read, hints may have been missed).
 * Redis being down never fails a stream: it waits briefly for the subscription and then relies on its poll.
 */
export function createRedisChangeSignal({ redis, logger, channel = DEFAULT_CHANGE_CHANNEL }: { redis: Redis; logger: Logger; channel?: string }): ChangeSignal {
  const listeners = new Set<(hint: ChangeHint | null) => void>();
  let subscriber: { sub: Redis; subscribed: Promise<unknown> } | null = null;

  const tell = (hint: ChangeHint | null) => {
    for (const listener of listeners) {
      try { listener(hint); } catch (err) { logger.warn('change listener failed', { err }); }
    }
  };

  function open(): { sub: Redis; subscribed: Promise<unknown> } {
    const sub = redis.duplicate();
    let connectedOnce = false;
    sub.on('error', (err: Error) => logger.warn('change signal subscriber error', { err: err.message }));
    sub.on('ready', () => {
      if (connectedOnce) tell(null);
      connectedOnce = true;
    });
    sub.on('message', (_channel: string, text: string) => {
      try {
        const m = JSON.parse(text) as { max_id?: unknown; user_ids?: unknown };
        const maxId = Number(m.max_id);
        if (!Number.isSafeInteger(maxId)) return;
        tell({ maxId, userIds: Array.isArray(m.user_ids) ? m.user_ids.filter((u): u is string => typeof u === 'string') : [] });
      } catch {
        logger.warn('change hint is not JSON');
      }
    });
    // The offline queue is off (shared client options): subscribe once connected. ioredis subscribes
    // again by itself after a reconnect.
    const subscribed = new Promise<void>((resolve) => {
      const go = () => {
        sub.subscribe(channel).then(() => resolve(), (err: unknown) => {
          logger.warn('change signal subscribe failed; retrying', { err: (err as Error).message });
          setTimeout(go, 1_000).unref();
        });
      };
      if (sub.status === 'ready') go(); else sub.once('ready', go);
    });
    return { sub, subscribed };
  }

  return {
    async publish(hint) {
      try {
        await redis.publish(channel, JSON.stringify({ max_id: hint.maxId, user_ids: hint.userIds }));
      } catch (err) {
        logger.warn('change hint not published', { err: (err as Error).message });
      }
    },
    async subscribe(listener) {
      subscriber ??= open();
      listeners.add(listener);
      // While Redis is away streams still work (their poll reads the log): wait for it only briefly.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([subscriber.subscribed, new Promise((r) => { timer = setTimeout(r, SUBSCRIBE_WAIT_MS); })]);
      clearTimeout(timer);
      return () => { listeners.delete(listener); };
    },
    async close() {
      listeners.clear();
      const sub = subscriber?.sub;
      subscriber = null;
      if (sub) await sub.quit().catch(() => sub.disconnect());
    },
  };
}
