import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectBroker, consumer, consumerQueueNames, listDeadLetters, replayDeadLetters, startConsumers, userRegistered,
  type Broker, type ConsumerDef, type Consumers, type EventEnvelope,
} from '../src/events/index.ts';
import { metricsRegistry } from '../src/http/metrics.ts';
import { AMQP_URL, createEventsTestEnv, deleteRabbitObjects, sleep, waitFor, type EventsTestEnv } from './events-helpers.ts';

let env: EventsTestEnv;
let broker: Broker;
const queues: string[] = [];
const running: Consumers[] = [];
const DELAYS = [50, 100];

const newUser = () => userRegistered.create(
  { user_id: randomUUID(), email: 'bob@example.com', display_name: 'Bob', role: 'user', email_verified: true },
  { source: 'auth' },
);

/** Publishes straight to the exchange, as the relay would (or a redelivery would repeat). */
const publish = (body: unknown, messageId: string = randomUUID(), routingKey = 'user.registered') =>
  broker.publish(routingKey, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), {
    persistent: true, messageId, contentType: 'application/json', headers: { 'x-request-id': 'req-consumer' },
  });

async function start(name: string, handle: ConsumerDef['handle'], extra: Partial<ConsumerDef> = {}) {
  const queue = `${env.prefix}.${name}`;
  queues.push(...consumerQueueNames(queue, extra.retryDelaysMs ?? DELAYS));
  const consumers = await startConsumers(broker, [consumer({ queue, event: userRegistered, handle, ...extra })], {
    pool: env.db.pool, schema: env.schema, logger: env.logger, retryDelaysMs: DELAYS, concurrency: 4,
  });
  running.push(consumers);
  return queue;
}

const handledRows = async (eventId: string) =>
  (await env.db.pool.query('SELECT count(*)::int AS n FROM handled WHERE event_id = $1', [eventId])).rows[0].n as number;
const inboxRows = async (queue: string, eventId: string) =>
  (await env.db.pool.query(`SELECT count(*)::int AS n FROM ${env.schema}.inbox WHERE consumer = $1 AND event_id = $2`, [queue, eventId])).rows[0].n as number;

beforeAll(async () => {
  env = await createEventsTestEnv('consumer');
  broker = await connectBroker(AMQP_URL, env.logger, { exchange: env.exchange });
  // What handlers write through ctx.tx, to show it commits (or not) with the inbox row.
  await env.db.pool.query('CREATE TABLE handled (event_id uuid NOT NULL, attempt int NOT NULL)');
});

// Every test's queue is bound to user.registered: stop its consumer so the next test's events
// are handled by the next test's handler only.
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

afterAll(async () => {
  await broker?.close();
  await deleteRabbitObjects({ queues, exchanges: [env.exchange] });
  await env?.db.drop();
});

describe('event consumers', () => {
  it('handles a redelivered event once, even when both copies arrive together', async () => {
    const calls: string[] = [];
    const queue = await start('once', async (e, ctx) => {
      calls.push(e.id);
      await ctx.tx.query('INSERT INTO handled (event_id, attempt) VALUES ($1, $2)', [e.id, ctx.attempt]);
      await sleep(100); // both deliveries are in flight at once; the second waits on the inbox key
    });
    const event = newUser();
    await Promise.all([publish(event, event.id), publish(event, event.id)]);
    await waitFor(() => calls.length >= 1);
    await sleep(400);
    await publish(event, event.id); // a late redelivery, long after the first commit
    await sleep(300);

    expect(calls).toEqual([event.id]);
    expect(await handledRows(event.id)).toBe(1);
    expect(await inboxRows(queue, event.id)).toBe(1);
    const consumed = await metricsRegistry.getSingleMetricAsString('events_consumed_total');
    expect(consumed).toContain(`events_consumed_total{queue="${queue}",type="user.registered",result="duplicate"} 2`);
  });

  it('retries a failing handler with growing delays and succeeds on a later attempt, its writes committed once', async () => {
    const attempts: { attempt: number; at: number }[] = [];
    await start('flaky', async (e, ctx) => {
      attempts.push({ attempt: ctx.attempt, at: Date.now() });
      await ctx.tx.query('INSERT INTO handled (event_id, attempt) VALUES ($1, $2)', [e.id, ctx.attempt]);
      if (ctx.attempt < 3) throw new Error(`flaky failure ${ctx.attempt}`);
    });
    const event = newUser();
    await publish(event, event.id);
    await waitFor(() => attempts.length === 3, { what: 'three attempts' });
    await sleep(100);

    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(95);
    // The failed attempts rolled back their writes with their inbox rows.
    const { rows } = await env.db.pool.query('SELECT attempt FROM handled WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ attempt: 3 }]);
  });

  it('parks a message that always fails in the DLQ after the last attempt, with the error, and replays it', async () => {
    let fail = true;
    const seen: number[] = [];
    const queue = await start('poison', async (e, ctx) => {
      seen.push(ctx.attempt);
      await ctx.tx.query('INSERT INTO handled (event_id, attempt) VALUES ($1, $2)', [e.id, ctx.attempt]);
      if (fail) throw new Error('mail server said no');
    });
    const event = newUser();
    await publish(event, event.id);

    const [dead] = await waitFor(async () => { const d = await listDeadLetters(broker, queue); return d.length ? d : undefined; }, { what: 'the dead letter' });
    expect(seen).toEqual([1, 2, 3]);
    expect(dead).toMatchObject({ messageId: event.id, reason: 'max_attempts', lastError: 'mail server said no', attempts: 3, body: event });
    expect(dead!.headers['x-request-id']).toBe('req-consumer');
    expect(await handledRows(event.id)).toBe(0);
    expect(await inboxRows(queue, event.id)).toBe(0);
    // Listing does not consume.
    expect(await listDeadLetters(broker, queue)).toHaveLength(1);
    await sleep(300);
    expect(seen).toHaveLength(3); // no requeue loop

    fail = false;
    expect(await replayDeadLetters(broker, queue)).toBe(1);
    await waitFor(async () => (await handledRows(event.id)) === 1, { what: 'the replayed event' });
    expect(seen).toEqual([1, 2, 3, 1]);
    expect(await listDeadLetters(broker, queue)).toEqual([]);
    const dl = await metricsRegistry.getSingleMetricAsString('events_dead_lettered_total');
    expect(dl).toContain(`events_dead_lettered_total{queue="${queue}",type="user.registered",reason="max_attempts"} 1`);
  });

  it('sends an event that fails its catalog schema, or is not JSON, straight to the DLQ', async () => {
    const calls: EventEnvelope[] = [];
    const queue = await start('strict', async (e) => { calls.push(e); });
    const bad = { ...newUser(), data: { user_id: randomUUID(), email: 'not-an-email', display_name: 'X', role: 'user', email_verified: true } };
    await publish(bad, bad.id);
    await publish('{"this is": not json', randomUUID());

    const dead = await waitFor(async () => { const d = await listDeadLetters(broker, queue); return d.length === 2 ? d : undefined; }, { what: 'two dead letters' });
    expect(calls).toEqual([]);
    expect(dead[0]).toMatchObject({ messageId: bad.id, reason: 'schema', attempts: 1, body: bad });
    expect(dead[0]!.lastError).toMatch(/data\.email/);
    expect(dead[1]).toMatchObject({ reason: 'malformed', body: '{"this is": not json' });
    // Replaying an event that is still invalid puts it back in the DLQ once, not in a loop.
    expect(await replayDeadLetters(broker, queue)).toBe(2);
    await waitFor(async () => (await listDeadLetters(broker, queue)).length === 2);
    expect(calls).toEqual([]);
  });

  it('stops after the handlers in progress finish and ack', async () => {
    let finished = 0;
    const queue = await start('graceful', async () => { await sleep(300); finished++; }, { retryDelaysMs: [50] });
    const consumers = running.pop()!;
    const event = newUser();
    await publish(event, event.id);
    await sleep(100);
    await consumers.stop();
    expect(finished).toBe(1);
    expect(await inboxRows(queue, event.id)).toBe(1);
    // Nothing left unacked in the queue: a restarted consumer would not see it again.
    await start('graceful', async () => { finished++; }, { retryDelaysMs: [50] });
    await sleep(300);
    expect(finished).toBe(1);
  });
});
