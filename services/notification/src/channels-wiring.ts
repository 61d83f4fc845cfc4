import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { createRunInTx, type Pool } from '@platform/shared/db';
import { createOutbox, type ConsumerDef } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { NotificationConfig } from './config.ts';
import { generateWebhookSecret } from './domain/webhook-signature.ts';
import type { Guards } from '@platform/shared/auth';
import { createInboxRouter } from './http/inbox-router.ts';
import { livePushListener } from './http/live-push-listener.ts';
import { createStreamHub, type StreamHub } from './http/stream-router.ts';
import { createWebhooksRouter } from './http/webhooks-router.ts';
import { webhookFanOutConsumers } from './infra/consumers/on-event-webhooks.ts';
import { createHttpWebhookSender } from './infra/http-webhook-sender.ts';
import { createPgInboxRepo } from './infra/pg-inbox-repo.ts';
import { createPgWebhookDeliveryRepo } from './infra/pg-webhook-delivery-repo.ts';
import { createPgWebhookRepo } from './infra/pg-webhook-repo.ts';
import { createRedisLiveFeed, createRedisLivePublisher } from './infra/redis-live-feed.ts';
import { createSecretBox } from './infra/secret-box.ts';
import { createUrlGuard } from './infra/url-guard.ts';
import { startWebhookDispatcher, type WebhookDispatcher } from './infra/webhook-dispatcher.ts';
import type { NotificationDeps } from './usecases/deps.ts';
import type { NotifyListener } from './usecases/ports.ts';
import { createWebhookOwnerNotifier } from './usecases/webhooks/notify-webhook-disabled.ts';

export type ChannelSettings = Pick<NotificationConfig,
  'WEBHOOK_SECRET_KEY' | 'WEBHOOK_ALLOWED_HOSTS' | 'WEBHOOK_TIMEOUT_MS' | 'WEBHOOK_POLL_MS' | 'WEBHOOK_CONCURRENCY'
  | 'WEBHOOK_RETRY_SCHEDULE_MS' | 'WEBHOOK_DISABLE_AFTER_FAILURES' | 'SSE_HEARTBEAT_MS' | 'SSE_MAX_STREAMS_PER_USER'>;

export type Channels = {
  /** notify() hooks (live push after commit). */
  listeners: NotifyListener[];
  /** Webhook fan-out consumers for createConsumers' `extra`. */
  consumers: Record<string, (deps: NotificationDeps, queue: string) => ConsumerDef>;
  /**
   * True for a fan-out consumer: start those with startConsumers of their own, so their handler
   * slots are not held by a burst of mail handlers waiting on SMTP.
   */
  isFanOut(def: ConsumerDef): boolean;
  /** Inbox, stream and webhook routers for buildApp's `routers`. */
  routers(guards: Guards): Router[];
  /** Starts the webhook dispatcher (it notifies owners of disabled webhooks through deps). */
  startDispatcher(deps: NotificationDeps): void;
  /** Open SSE streams in this process. */
  openStreams(): number;
  /** The process's pub/sub connection (tests cut it to check that streams catch up after a reconnect). */
  subscriber: Redis;
  /** Ends the SSE streams (before the server closes, or it would wait for them), stops the dispatcher, closes the subscriber. */
  stop(): Promise<void>;
};

/**
 * The webhook, inbox and live-push side of the service (N2) over connections the caller opened:
 * `subscriber` is a Redis connection of its own (subscriber mode), the one per process that every
 * SSE stream shares.
 */
export function createChannels({ config, pool, redis, subscriber, logger }: {
  config: ChannelSettings; pool: Pool; redis: Redis; subscriber: Redis; logger: Logger;
}): Channels {
  const guard = createUrlGuard({ allowedHosts: config.WEBHOOK_ALLOWED_HOSTS });
  const sender = createHttpWebhookSender({ guard, maxSockets: config.WEBHOOK_CONCURRENCY });
  const secrets = createSecretBox(config.WEBHOOK_SECRET_KEY);
  const webhooks = createPgWebhookRepo();
  const deliveries = createPgWebhookDeliveryRepo();
  const inbox = createPgInboxRepo();
  const feed = createRedisLiveFeed({ subscriber, logger });
  const publisher = createRedisLivePublisher({ redis, logger });
  let streams: StreamHub | null = null;
  let dispatcher: WebhookDispatcher | null = null;

  return {
    listeners: [livePushListener(publisher)],
    consumers: webhookFanOutConsumers(deliveries, { onEnqueued: () => dispatcher?.kick() }),
    isFanOut: (def) => def.queue.includes('.webhooks.'),
    routers(guards) {
      streams = createStreamHub(
        { db: pool, inbox, feed, logger, settings: { heartbeatMs: config.SSE_HEARTBEAT_MS, maxPerUser: config.SSE_MAX_STREAMS_PER_USER, maxBufferedBytes: 1 << 20 } },
        { authenticated: guards.user },
      );
      return [
        createInboxRouter(
          { db: pool, inbox, runInTx: createRunInTx(pool), outbox: createOutbox('notifications'), now: () => new Date() },
          { authenticated: guards.user },
        ),
        streams.router,
        createWebhooksRouter({ db: pool, webhooks, deliveries, secrets, urlGuard: guard, newSecret: generateWebhookSecret }, { authenticated: guards.user }),
      ];
    },
    startDispatcher(deps) {
      dispatcher = startWebhookDispatcher({
        db: pool, webhooks, deliveries, secrets, sender, logger, now: () => new Date(),
        notifier: createWebhookOwnerNotifier(deps),
        settings: {
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE_MS,
          disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
        },
      }, { pollMs: config.WEBHOOK_POLL_MS, concurrency: config.WEBHOOK_CONCURRENCY });
    },
    openStreams: () => streams?.open() ?? 0,
    subscriber,
    async stop() {
      streams?.closeAll();
      await dispatcher?.stop();
      sender.close();
      await feed.close();
    },
  };
}
