import type { GetMessage } from 'amqplib';
import { BrokerUnavailableError, confirmPublish, type Broker } from './broker.ts';
import { carriedHeaders, deadLetterQueueName, HEADERS } from './queue-names.ts';
import { headerString } from './trace-headers.ts';

export type DeadLetter = {
  messageId: string | undefined;
  /** The parsed body (an envelope, unless it was malformed), or the raw text when it is not JSON. */
  body: unknown;
  /** malformed | schema | max_attempts */
  reason: string | undefined;
  lastError: string | undefined;
  attempts: number | undefined;
  failedAt: string | undefined;
  headers: Record<string, unknown>;
};

function toDeadLetter(msg: GetMessage): DeadLetter {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const text = msg.content.toString('utf8');
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* keep the raw text */ }
  const attempts = Number(headers[HEADERS.attempt]);
  return {
    messageId: msg.properties.messageId as string | undefined,
    body,
    reason: headerString(headers[HEADERS.reason]),
    lastError: headerString(headers[HEADERS.lastError]),
    attempts: Number.isFinite(attempts) ? attempts : undefined,
    failedAt: headerString(headers[HEADERS.failedAt]),
    headers,
  };
}

function connection(broker: Broker) {
  const conn = broker.manager.connection;
  if (!conn) throw new BrokerUnavailableError('RabbitMQ is not connected');
  return conn;
}

/**
 * Reads up to `limit` messages from the consumer's DLQ without removing them: they are fetched
 * unacked and go back, in order, when the channel closes.
 */
export async function listDeadLetters(broker: Broker, queue: string, limit = 100): Promise<DeadLetter[]> {
  const ch = await connection(broker).createChannel();
  ch.on('error', () => {});
  try {
    const out: DeadLetter[] = [];
    while (out.length < limit) {
      const msg = await ch.get(deadLetterQueueName(queue), { noAck: false });
      if (!msg) break;
      out.push(toDeadLetter(msg));
    }
    return out;
  } finally {
    await ch.close().catch(() => {});
  }
}

/**
 * Moves the DLQ's messages back to the consumer's queue (only that consumer's: others already
 * handled the event) with a fresh attempt count. Each move is confirmed before the dead letter is
 * acked. Only the messages present at the start are replayed, so one that fails again at once is
 * not replayed in a loop; `match` picks some of them (the others stay). Returns how many were replayed.
 */
export async function replayDeadLetters(
  broker: Broker, queue: string, { limit = Infinity, match }: { limit?: number; match?: (letter: DeadLetter) => boolean } = {},
): Promise<number> {
  const dlq = deadLetterQueueName(queue);
  const ch = await connection(broker).createConfirmChannel();
  ch.on('error', () => {});
  try {
    const { messageCount } = await ch.checkQueue(dlq);
    let seen = 0;
    let replayed = 0;
    while (seen < messageCount && replayed < limit) {
      const msg = await ch.get(dlq, { noAck: false });
      if (!msg) break;
      seen++;
      // Left unacked: it goes back to the DLQ, in its place, when the channel closes.
      if (match && !match(toDeadLetter(msg))) continue;
      const { [HEADERS.reason]: _r, [HEADERS.lastError]: _e, [HEADERS.failedAt]: _f, [HEADERS.originalQueue]: _q, ...rest } =
        carriedHeaders(msg.properties.headers as Record<string, unknown>);
      const p = msg.properties;
      await confirmPublish(ch, '', queue, msg.content, {
        persistent: true,
        headers: { ...rest, [HEADERS.attempt]: 1, 'x-replayed-at': new Date().toISOString() },
        ...(p.contentType && { contentType: p.contentType }),
        ...(p.messageId && { messageId: p.messageId }),
        ...(p.type && { type: p.type }),
        ...(p.appId && { appId: p.appId }),
        ...(p.timestamp && { timestamp: p.timestamp }),
      }, 10_000);
      ch.ack(msg);
      replayed++;
    }
    return replayed;
  } finally {
    await ch.close().catch(() => {});
  }
}
