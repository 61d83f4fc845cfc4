import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import pg from 'pg';
import type { Pool } from '../db/create-pool.ts';
import type { Logger } from '../logger/create-logger.ts';
import { requestStore } from '../logger/request-store.ts';
import { confirmPublish, type Broker } from './broker.ts';
import { resolveDef, type ConsumeContext, type ConsumerDef, type ResolvedDef } from './consumer-def.ts';
import type { EventEnvelope } from './define-event.ts';
import { eventsConsumed, eventsDeadLettered, eventsFailed, handlerSeconds } from './event-metrics.ts';
import type { ManagedChannel } from './managed-channel.ts';
import { carriedHeaders, deadLetterQueueName, HEADERS, retryQueueName } from './queue-names.ts';
import { createSemaphore } from './semaphore.ts';
import { contextFromCarrier, headerString } from './trace-headers.ts';

export type StartConsumersOptions = {
  pool: Pool;
  /** The service schema holding the inbox table. */
  schema: string;
  logger: Logger;
  retryDelaysMs?: readonly number[];
  /** Handlers running at once across all queues; each holds a pool connection. Default: half the pool. */
  concurrency?: number;
  /** Inbox rows older than this are deleted (a redelivery after that would run again). */
  inboxRetentionMs?: number;
  /** Called after a message was moved to its DLQ (e.g. to alert operations); errors are logged. */
  onDeadLetter?: (info: DeadLetterInfo) => unknown;
};

export type DeadLetterInfo = { queue: string; eventType: string; messageId: string | undefined; reason: string; attempt: number; error: string };

export type Consumers = { stop(): Promise<void> };

type Outcome = 'processed' | 'duplicate';

const tracer = trace.getTracer('@platform/shared/events');
const REPUBLISH_TIMEOUT_MS = 10_000;
const REQUEUE_PAUSE_MS = 1_000;

/** Properties kept when a message moves to a retry queue or the DLQ (userId would be checked against our login). */
function republishOptions(msg: ConsumeMessage, headers: Record<string, unknown>): Options.Publish {
  const p = msg.properties;
  return {
    persistent: true,
    headers,
    ...(p.contentType && { contentType: p.contentType }),
    ...(p.contentEncoding && { contentEncoding: p.contentEncoding }),
    ...(p.messageId && { messageId: p.messageId }),
    ...(p.correlationId && { correlationId: p.correlationId }),
    ...(p.type && { type: p.type }),
    ...(p.appId && { appId: p.appId }),
    ...(p.timestamp && { timestamp: p.timestamp }),
  };
}

/**
 * The producer's context from the headers; but when the amqplib instrumentation already opened a
 * span for this delivery (a child of the same trace), nest under it instead of beside it.
 */
function parentContext(headers: Record<string, unknown>) {
  const fromHeaders = contextFromCarrier(headers);
  const active = trace.getSpanContext(context.active());
  const producer = trace.getSpanContext(fromHeaders);
  return active && producer && active.traceId === producer.traceId ? context.active() : fromHeaders;
}

/**
 * Starts every consumer on its own channel. Retries never requeue (a requeueing nack loops a
 * poison message forever, guide §12): a failed message is republished to `<queue>.retry.<ms>`,
 * whose TTL dead-letters it back to `<queue>` with the attempt counted in `x-attempt`; after the
 * last attempt it goes to `<queue>.dlq` with the error in `x-last-error`. An event that fails its
 * catalog schema goes to the DLQ at once. Each move is confirmed before the original is acked.
 */
export async function startConsumers(broker: Broker, defs: readonly ConsumerDef[], opts: StartConsumersOptions): Promise<Consumers> {
  const { pool, schema, logger, retryDelaysMs = [1_000, 5_000, 30_000, 120_000], inboxRetentionMs = 30 * 24 * 3600_000 } = opts;
  const concurrency = opts.concurrency ?? Math.max(1, Math.floor((pool.options.max ?? 10) / 2));
  const inbox = `${pg.escapeIdentifier(schema)}.inbox`;
  const slots = createSemaphore(concurrency);
  const resolved = defs.map((d) => resolveDef(d, retryDelaysMs));
  const queues = new Set<string>();
  for (const d of resolved) {
    if (queues.has(d.queue)) throw new Error(`two consumers share the queue ${d.queue}`);
    queues.add(d.queue);
  }

  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  const running: { channel: ManagedChannel; consuming: () => { ch: ConfirmChannel; tag: string } | undefined }[] = [];

  async function runHandler(def: ResolvedDef, envelope: EventEnvelope, ctx: Omit<ConsumeContext, 'tx' | 'afterCommit'>): Promise<Outcome> {
    await slots.acquire();
    const start = performance.now();
    try {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        // Insert first: a concurrent redelivery blocks on this key until we commit, then sees the conflict.
        const claimed = await client.query(
          `INSERT INTO ${inbox} (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [def.queue, envelope.id, envelope.type],
        );
        if (claimed.rowCount === 0) {
          await client.query('COMMIT');
          return 'duplicate';
        }
        const committed: (() => unknown)[] = [];
        await def.handle(envelope, { ...ctx, tx: client, afterCommit: (fn) => { committed.push(fn); } });
        await client.query('COMMIT');
        for (const fn of committed) {
          try { await fn(); } catch (err) { ctx.logger.warn('after-commit step failed', { err }); }
        }
        return 'processed';
      } catch (err) {
        try { await client.query('ROLLBACK'); } catch { broken = true; }
        throw err;
      } finally {
        client.release(broken);
      }
    } finally {
      slots.release();
      handlerSeconds.observe({ queue: def.queue }, (performance.now() - start) / 1000);
    }
  }

  /** Moves the message to another queue (confirmed), then acks it; if the move fails it is requeued. */
  async function moveThenAck(ch: ConfirmChannel, msg: ConsumeMessage, target: string, headers: Record<string, unknown>): Promise<boolean> {
    try {
      await confirmPublish(ch, '', target, msg.content, republishOptions(msg, carriedHeaders(msg.properties.headers, headers)), REPUBLISH_TIMEOUT_MS);
      ch.ack(msg);
      return true;
    } catch (err) {
      logger.warn('could not move a message; it stays in its queue', { target, err: (err as Error).message });
      // Usually the channel is closed, which requeues the message by itself. If it is open (the
      // broker nacked the move), requeue after a pause so a broker in trouble is not hammered.
      setTimeout(() => { try { ch.nack(msg, false, true); } catch { /* channel closed */ } }, REQUEUE_PAUSE_MS).unref();
      return false;
    }
  }

  async function deadLetter(def: ResolvedDef, ch: ConfirmChannel, msg: ConsumeMessage, reason: string, error: string, attempt: number, type: string) {
    const moved = await moveThenAck(ch, msg, deadLetterQueueName(def.queue), {
      [HEADERS.reason]: reason,
      [HEADERS.lastError]: error.slice(0, 2_000),
      [HEADERS.attempt]: attempt,
      [HEADERS.failedAt]: new Date().toISOString(),
      [HEADERS.originalQueue]: def.queue,
    });
    if (moved) {
      eventsDeadLettered.inc({ queue: def.queue, type, reason });
      logger.error('event dead-lettered', { queue: def.queue, event_type: type, message_id: msg.properties.messageId, reason, attempt, error: error.slice(0, 500) });
      if (opts.onDeadLetter) {
        try {
          await opts.onDeadLetter({ queue: def.queue, eventType: type, messageId: msg.properties.messageId as string | undefined, reason, attempt, error: error.slice(0, 2_000) });
        } catch (err) {
          logger.warn('onDeadLetter failed', { queue: def.queue, err });
        }
      }
    }
  }

  async function onMessage(def: ResolvedDef, ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const attempt = Math.max(1, Number(headers[HEADERS.attempt] ?? 1) || 1);
    const type = def.event.type;

    let body: unknown;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch (err) {
      return deadLetter(def, ch, msg, 'malformed', `body is not JSON: ${(err as Error).message}`, attempt, type);
    }
    const parsed = def.event.safeParse(body);
    if (!parsed.success) return deadLetter(def, ch, msg, 'schema', parsed.error.message, attempt, type);
    const envelope = parsed.data;
    const requestId = headerString(headers[HEADERS.requestId]) ?? envelope.id;
    const log = logger.child({ queue: def.queue, event_id: envelope.id, event_type: envelope.type });

    await requestStore.run({ requestId }, () => context.with(parentContext(headers), () => tracer.startActiveSpan(
      `${envelope.type} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': def.queue,
          'messaging.message.id': envelope.id,
          'messaging.rabbitmq.destination.routing_key': msg.fields.routingKey,
          'event.type': envelope.type,
          'event.attempt': attempt,
        },
      },
      async (span) => {
        try {
          const outcome = await runHandler(def, envelope, { attempt, maxAttempts: def.attempts, queue: def.queue, logger: log, headers });
          try { ch.ack(msg); } catch { /* channel closed: the redelivery will find the inbox row */ }
          eventsConsumed.inc({ queue: def.queue, type, result: outcome });
          span.setAttribute('event.duplicate', outcome === 'duplicate');
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          eventsFailed.inc({ queue: def.queue, type });
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          if (attempt < def.attempts) {
            const delay = def.delays[Math.min(attempt - 1, def.delays.length - 1)]!;
            log.warn('event handler failed; will retry', { attempt, max_attempts: def.attempts, retry_in_ms: delay, err: error });
            await moveThenAck(ch, msg, retryQueueName(def.queue, delay), {
              [HEADERS.attempt]: attempt + 1,
              [HEADERS.lastError]: error.message.slice(0, 2_000),
            });
          } else {
            await deadLetter(def, ch, msg, 'max_attempts', error.message, attempt, type);
          }
        } finally {
          span.end();
        }
      },
    )));
  }

  function setupFor(def: ResolvedDef) {
    let current: { ch: ConfirmChannel; tag: string } | undefined;
    const setup = async (ch: ConfirmChannel) => {
      await ch.assertExchange(broker.exchange, 'topic', { durable: true });
      await ch.assertQueue(def.queue, { durable: true });
      await ch.bindQueue(def.queue, broker.exchange, def.event.type);
      for (const delay of new Set(def.delays)) {
        await ch.assertQueue(retryQueueName(def.queue, delay), {
          durable: true,
          // Expired messages go back through the default exchange to this consumer's queue only,
          // not to every queue bound to the event type.
          arguments: { 'x-message-ttl': delay, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': def.queue },
        });
      }
      await ch.assertQueue(deadLetterQueueName(def.queue), { durable: true });
      await ch.prefetch(def.prefetch ?? 10);
      const { consumerTag } = await ch.consume(def.queue, (msg) => {
        if (!msg) {
          // The broker cancelled us (queue deleted): closing the channel re-runs this setup.
          if (!stopping) {
            logger.warn('consumer cancelled by the broker; declaring its queue again', { queue: def.queue });
            ch.close().catch(() => {});
          }
          return;
        }
        const task = onMessage(def, ch, msg).catch((err) => { logger.error('event consumer crashed on a message', { queue: def.queue, err }); });
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
      }, { noAck: false });
      current = { ch, tag: consumerTag };
    };
    return { setup, consuming: () => current };
  }

  for (const def of resolved) {
    const { setup, consuming } = setupFor(def);
    running.push({ channel: broker.openChannel(`consumer:${def.queue}`, setup), consuming });
  }
  // Wait for the first setup so callers know their queues exist (and tests can publish at once);
  // with the broker down the service still starts, and consumers start when it comes back.
  if (broker.isConnected()) {
    await Promise.all(running.map((r) => r.channel.waitForOpen(10_000).catch((err) => {
      logger.warn('consumer not started yet; it starts when RabbitMQ is reachable', { err: (err as Error).message });
    })));
  } else {
    logger.warn('rabbitmq not connected; consumers start when it is reachable', { queues: [...queues] });
  }
  logger.info('event consumers started', { queues: [...queues], concurrency });

  const purgeTimer = setInterval(() => {
    pool.query(`DELETE FROM ${inbox} WHERE processed_at < now() - make_interval(secs => $1)`, [inboxRetentionMs / 1000])
      .catch((err) => logger.warn('inbox purge failed', { schema, err }));
  }, 3_600_000);
  purgeTimer.unref();

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(purgeTimer);
      // Stop deliveries, let handlers in progress finish and ack, then close the channels.
      await Promise.all(running.map(async ({ consuming }) => {
        const c = consuming();
        try { await c?.ch.cancel(c.tag); } catch { /* channel already closed */ }
      }));
      await Promise.allSettled([...inFlight]);
      await Promise.all(running.map((r) => r.channel.close()));
    },
  };
}
