import type { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';
import type { LiveFeed, LiveMessage, LivePublisher } from '../usecases/live-feed.ts';

const CHANNEL_PREFIX = 'notifications:';

/**
 * One Redis subscriber connection per process, fanned out in memory: a user's channel is subscribed
 * while at least one of their streams is open here. ioredis re-subscribes after a reconnect;
 * messages published while it was away are lost, so listeners are told to re-read the database.
 */
export function createRedisLiveFeed({ subscriber, logger }: { subscriber: Redis; logger: Logger }): LiveFeed & { close(): Promise<void>; channels(): number } {
  const byUser = new Map<string, Set<(m: LiveMessage) => void>>();
  const resyncs: (() => void)[] = [];
  let connectedOnce = subscriber.status === 'ready';

  subscriber.on('message', (channel: string, text: string) => {
    const listeners = byUser.get(channel.slice(CHANNEL_PREFIX.length));
    if (!listeners || listeners.size === 0) return;
    let seq: number;
    try {
      seq = Number((JSON.parse(text) as { seq?: unknown }).seq);
    } catch {
      return logger.warn('live notification is not JSON', { channel });
    }
    if (!Number.isSafeInteger(seq)) return logger.warn('live notification without a seq', { channel });
    const message: LiveMessage = { seq, json: text };
    for (const listener of listeners) listener(message);
  });
  subscriber.on('ready', () => {
    if (connectedOnce) for (const resync of resyncs) resync();
    connectedOnce = true;
  });

  return {
    async subscribe(userId, listener) {
      let listeners = byUser.get(userId);
      if (!listeners) {
        listeners = new Set();
        byUser.set(userId, listeners);
      }
      listeners.add(listener);
      try {
        // Also when already subscribed: SUBSCRIBE is idempotent and its reply comes after any
        // UNSUBSCRIBE sent before it on this connection, so the channel is live when this resolves.
        await subscriber.subscribe(`${CHANNEL_PREFIX}${userId}`);
      } catch (err) {
        listeners.delete(listener);
        if (listeners.size === 0) byUser.delete(userId);
        throw err;
      }
      return () => {
        const set = byUser.get(userId);
        if (!set?.delete(listener) || set.size > 0) return;
        byUser.delete(userId);
        subscriber.unsubscribe(`${CHANNEL_PREFIX}${userId}`).catch(() => { /* dropped with the connection anyway */ });
      };
    },
    onResync(callback) {
      resyncs.push(callback);
    },
    channels: () => byUser.size,
    async close() {
      byUser.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/** Publishes on the user's channel; a failure is logged (the client catches up on its next resume). */
export function createRedisLivePublisher({ redis, logger }: { redis: Redis; logger: Logger }): LivePublisher {
  return {
    async publish(userId, notification) {
      try {
        await redis.publish(`${CHANNEL_PREFIX}${userId}`, JSON.stringify(notification));
      } catch (err) {
        logger.warn('live notification not published', { err: (err as Error).message });
      }
    },
  };
}
