import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import type { Logger } from '../logger/create-logger.ts';
import { openManagedChannel, type ChannelSetup, type ManagedChannel } from './managed-channel.ts';

export const DEFAULT_EXCHANGE = 'platform.events';

export type BrokerOptions = {
  /** The durable topic exchange every event goes through. */
  exchange?: string;
  /** How long connectBroker waits for the first connection before returning anyway (it keeps retrying). */
  waitForConnectMs?: number;
  /** Reconnect backoff: first retry after minMs, doubling (with jitter) up to maxMs. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  heartbeatSeconds?: number;
  /** Default time to wait for a publisher confirm. */
  publishTimeoutMs?: number;
};

export type Broker = {
  readonly exchange: string;
  readonly logger: Logger;
  /** The underlying amqp-connection-manager. */
  readonly manager: AmqpConnectionManager;
  isConnected(): boolean;
  /** Readiness probe for /ready: resolves after a round trip to the broker, rejects when it is unreachable. */
  ready(): Promise<void>;
  /** Resolves on the next (or current) connection; rejects after timeoutMs. */
  waitForConnect(timeoutMs?: number): Promise<void>;
  /**
   * Publishes to the exchange on a confirm channel and resolves on the broker's ack. Rejects on a
   * nack, a timeout, a closed channel, or at once when not connected: nothing is buffered in memory,
   * so a caller that must not lose the message keeps it (the outbox does) and tries again.
   */
  publish(routingKey: string, content: Buffer, options?: Options.Publish, timeoutMs?: number): Promise<void>;
  /** Same as publish, to one queue through the default exchange (retries, dead letters, replays). */
  sendToQueue(queue: string, content: Buffer, options?: Options.Publish, timeoutMs?: number): Promise<void>;
  /** A confirm channel re-created and set up again after any close (consumers use one each). */
  openChannel(name: string, setup: ChannelSetup): ManagedChannel;
  close(): Promise<void>;
};

export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

/** Publishes on a raw confirm channel and waits for the confirm, bounded by timeoutMs. */
export function confirmPublish(
  channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish, timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`publisher confirm timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    try {
      channel.publish(exchange, routingKey, content, options, (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err instanceof Error ? err : new Error('message nacked by the broker'));
        else resolve();
      });
    } catch (err) {
      // amqplib throws synchronously when the channel is already closed.
      settled = true;
      clearTimeout(timer);
      reject(err);
    }
  });
}

/**
 * Connects to RabbitMQ through amqp-connection-manager: reconnects with exponential backoff and
 * asserts the durable topic exchange on every (re)connect. Returns once connected, or after
 * waitForConnectMs with a warning so the service still starts (its /ready reports the broker down
 * and its events wait in the outbox).
 */
export async function connectBroker(url: string, logger: Logger, opts: BrokerOptions = {}): Promise<Broker> {
  const {
    exchange = DEFAULT_EXCHANGE, waitForConnectMs = 10_000, reconnectMinMs = 500, reconnectMaxMs = 30_000,
    heartbeatSeconds = 5, publishTimeoutMs = 10_000,
  } = opts;
  const manager = amqp.connect([url], {
    heartbeatIntervalInSeconds: heartbeatSeconds,
    reconnectTimeInSeconds: reconnectMinMs / 1000,
  });

  // amqp-connection-manager waits a fixed reconnectTimeInSeconds, read just after it emits
  // connectFailed/disconnect: adjusting it there turns the fixed delay into a backoff.
  let failures = 0;
  let closing = false;
  const nextDelay = () => {
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** failures);
    return (base * (0.8 + Math.random() * 0.2)) / 1000;
  };
  manager.on('connect', () => {
    failures = 0;
    manager.reconnectTimeInSeconds = reconnectMinMs / 1000;
    logger.info('rabbitmq connected', { exchange });
  });
  manager.on('disconnect', ({ err }) => {
    if (closing) return;
    failures = 0;
    manager.reconnectTimeInSeconds = nextDelay();
    logger.warn('rabbitmq disconnected', { err: err?.message });
  });
  manager.on('connectFailed', ({ err }) => {
    failures++;
    manager.reconnectTimeInSeconds = nextDelay();
    // Every failure at debug; a warning now and then so a long outage stays visible without flooding.
    const level = failures === 1 || failures % 20 === 0 ? 'warn' : 'debug';
    logger.log(level, 'rabbitmq connect failed', { err: err?.message, failures, retry_in_ms: Math.round(manager.reconnectTimeInSeconds * 1000) });
  });
  manager.on('blocked', ({ reason }) => logger.warn('rabbitmq blocked the connection', { reason }));
  manager.on('unblocked', () => logger.info('rabbitmq unblocked the connection'));

  // Publishes go straight to the raw confirm channel (no in-memory buffering by a wrapper), so an
  // unconfirmed message only ever lives where the caller keeps it: the outbox row.
  const publisher = openManagedChannel(manager, {
    name: 'publisher',
    logger,
    setup: (ch) => ch.assertExchange(exchange, 'topic', { durable: true }).then(() => {}),
  });

  const waitForConnect = (timeoutMs = waitForConnectMs) =>
    publisher.waitForOpen(timeoutMs).then(
      () => {},
      () => { throw new BrokerUnavailableError('RabbitMQ is not connected'); },
    );

  try {
    await waitForConnect();
  } catch {
    logger.warn('rabbitmq not reachable yet; retrying in the background', { wait_ms: waitForConnectMs });
  }

  const send = (exchangeName: string, routingKey: string, content: Buffer, options: Options.Publish, timeoutMs: number) => {
    const ch = publisher.current;
    if (!ch) return Promise.reject(new BrokerUnavailableError('RabbitMQ is not connected'));
    return confirmPublish(ch, exchangeName, routingKey, content, options, timeoutMs);
  };

  return {
    exchange,
    logger,
    manager,
    isConnected: () => manager.isConnected() && publisher.current !== undefined,
    async ready() {
      const ch = publisher.current;
      if (!ch) throw new BrokerUnavailableError('RabbitMQ is not connected');
      await ch.checkExchange(exchange);
    },
    waitForConnect,
    publish: (routingKey, content, options = {}, timeoutMs = publishTimeoutMs) =>
      send(exchange, routingKey, content, options, timeoutMs),
    sendToQueue: (queue, content, options = {}, timeoutMs = publishTimeoutMs) =>
      send('', queue, content, options, timeoutMs),
    openChannel: (name, setup) => openManagedChannel(manager, { name, setup, logger }),
    async close() {
      closing = true;
      await publisher.close();
      await manager.close();
    },
  };
}
