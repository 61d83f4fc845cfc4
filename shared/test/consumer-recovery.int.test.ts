import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectBroker, consumer, consumerQueueNames, startConsumers, userRegistered, type Broker, type Consumers,
} from '../src/events/index.ts';
import { metricsRegistry } from '../src/http/metrics.ts';
import {
  AMQP_URL, createEventsTestEnv, deleteRabbitObjects, sleep, startTcpProxy, waitFor, type EventsTestEnv, type TcpProxy,
} from './events-helpers.ts';

let env: EventsTestEnv;
let publisher: Broker;
const queues: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
const DELAYS = [50];

const newUser = () => userRegistered.create(
  { user_id: randomUUID(), email: 'cy@example.com', display_name: 'Cy', role: 'user', email_verified: true },
  { source: 'auth' },
);
const publish = (e: ReturnType<typeof newUser>) =>
  publisher.publish(e.type, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.id });

async function startBehindProxy(name: string, handle: (id: string) => Promise<void>) {
  const proxy: TcpProxy = await startTcpProxy();
  const broker = await connectBroker(proxy.url, env.logger, { exchange: env.exchange, reconnectMinMs: 100, reconnectMaxMs: 400 });
  const queue = `${env.prefix}.${name}`;
  queues.push(...consumerQueueNames(queue, DELAYS));
  const consumers: Consumers = await startConsumers(broker, [consumer({
    queue, event: userRegistered, retryDelaysMs: DELAYS, async handle(e) { await handle(e.id); },
  })], { pool: env.db.pool, schema: env.schema, logger: env.logger });
  cleanups.push(() => consumers.stop(), () => broker.close(), () => proxy.close());
  return { proxy, broker, queue };
}

beforeAll(async () => {
  env = await createEventsTestEnv('recovery');
  publisher = await connectBroker(AMQP_URL, env.logger, { exchange: env.exchange });
});

afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn().catch(() => {});
});

afterAll(async () => {
  await publisher?.close();
  await deleteRabbitObjects({ queues, exchanges: [env.exchange] });
  await env?.db.drop();
});

describe('consumers across broker trouble', () => {
  it('handles events published while it was cut off once it reconnects', async () => {
    const handled: string[] = [];
    const { proxy, broker } = await startBehindProxy('outage', async (id) => { handled.push(id); });
    proxy.cut();
    await waitFor(() => !broker.isConnected());
    const events = [newUser(), newUser(), newUser()];
    for (const e of events) await publish(e);
    await sleep(300);
    expect(handled).toEqual([]);

    proxy.restore();
    await waitFor(() => handled.length === 3, { what: 'the queued events', timeoutMs: 15_000 });
    expect(handled.sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('handles an event once when the connection drops after the handler committed but before the ack', async () => {
    const calls: string[] = [];
    const cutter: { proxy?: TcpProxy } = {};
    const started = await startBehindProxy('lost-ack', async (id) => {
      calls.push(id);
      // The handler's transaction commits after this returns; the ack then goes to a dead
      // connection, so the broker redelivers and the inbox has to catch the duplicate.
      if (calls.length === 1) cutter.proxy?.cut();
    });
    cutter.proxy = started.proxy;
    const event = newUser();
    await publish(event);
    await waitFor(() => calls.length === 1);
    await waitFor(() => !started.broker.isConnected());
    started.proxy.restore();
    // The redelivery arrives and is recognised as a duplicate, not handled again.
    await waitFor(async () => (await metricsRegistry.getSingleMetricAsString('events_consumed_total'))
      .includes(`events_consumed_total{queue="${started.queue}",type="user.registered",result="duplicate"} 1`), { what: 'the redelivery', timeoutMs: 15_000 });

    expect(calls).toEqual([event.id]);
    const { rows } = await env.db.pool.query(`SELECT count(*)::int AS n FROM ${env.schema}.inbox WHERE event_id = $1`, [event.id]);
    expect(rows[0].n).toBe(1);
  });

  it('re-declares its queue and keeps consuming when the queue is deleted under it', async () => {
    const handled: string[] = [];
    const { queue } = await startBehindProxy('deleted', async (id) => { handled.push(id); });
    await deleteRabbitObjects({ queues: [queue] });
    // The broker cancels the consumer; the channel is re-opened and set up again.
    await sleep(1_500);
    const event = newUser();
    await publish(event);
    await waitFor(() => handled.includes(event.id), { what: 'consumption after the re-declare', timeoutMs: 10_000 });
  });
});
