// A dedicated topic exchange with one durable queue bound to everything, so published messages are
// routed and persisted as on the real `platform.events`, and nothing reaches real consumers.
import { randomBytes } from 'node:crypto';
import { onInterrupt } from './cleanup.ts';
import { loadAmqplib, type AmqpConnection, type ConfirmChannel } from './deps.ts';

export type BenchExchange = { exchange: string; queue: string; connection: AmqpConnection; channel: ConfirmChannel; remove(): Promise<void> };

export async function createBenchExchange(amqpUrl: string, label: string): Promise<BenchExchange> {
  const id = `${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
  const exchange = `bench.${label}.${id}`;
  const queue = `bench.${label}.${id}.all`;
  const connection = await loadAmqplib().connect(amqpUrl);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, '#');
  const remove = async () => {
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await connection.close();
  };
  const done = onInterrupt(remove);
  return {
    exchange, queue, connection, channel,
    async remove() {
      await remove();
      done();
    },
  };
}

/** Removes an exchange someone else declared (the auth process's events exchange). */
export async function deleteExchange(amqpUrl: string, exchange: string): Promise<void> {
  const connection = await loadAmqplib().connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}
