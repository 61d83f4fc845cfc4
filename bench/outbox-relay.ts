// The outbox relay's throughput: a backlog of events written to an outbox table is drained by
// startOutboxRelay (its default batch size and confirms in flight) to a bench exchange with a
// durable queue bound, like the raw-publish measurement it is compared with.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createPool, createRunInTx, migrate } from '@platform/shared/db';
import { connectBroker, createOutbox, startOutboxRelay, userRegistered } from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { createBenchDatabase } from './lib/bench-database.ts';
import { createBenchExchange } from './lib/bench-exchange.ts';
import { infra } from './lib/deps.ts';
import { progress } from './lib/log.ts';
import { round } from './lib/stats.ts';

const EVENTS = 20_000;
const INSERT_CHUNK = 1_000;
const MAX_MS = 60_000;
const POLL_MS = 50;
const SCHEMA = 'bench';
// The relay's defaults, spelled out so the comparison with raw publishes (200 in flight) stays explicit.
const RELAY = { batchSize: 200, maxInFlight: 200 };
// migrate() applies the shared outbox/inbox migrations, then the service's own from `dir`: there are none here.
const NO_SERVICE_MIGRATIONS = fileURLToPath(new URL('./no-migrations', import.meta.url));

export async function measureOutboxRelay() {
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const db = await createBenchDatabase(infra.databaseUrl, 'relay');
  const pool = createPool(db.url, { max: 5 });
  const bench = await createBenchExchange(infra.amqpUrl, 'relay');
  const broker = await connectBroker(infra.amqpUrl, logger, { exchange: bench.exchange });
  try {
    await migrate(pool, { schema: SCHEMA, dir: NO_SERVICE_MIGRATIONS });
    const outbox = createOutbox(SCHEMA);
    await createRunInTx(pool)(async (tx) => {
      for (let start = 0; start < EVENTS; start += INSERT_CHUNK) {
        const chunk = Array.from({ length: Math.min(INSERT_CHUNK, EVENTS - start) }, (_, j) => userRegistered.create(
          { user_id: randomUUID(), email: `bench-${start + j}@example.test`, display_name: `Bench ${start + j}`, role: 'user', email_verified: false },
          { source: 'bench' },
        ));
        await outbox.addMany(tx, chunk);
      }
    });
    // A live outbox has planner statistics; a table filled a moment ago would not.
    await pool.query(`ANALYZE ${SCHEMA}.outbox`);
    progress(`outbox relay: ${EVENTS} events in the outbox; draining`);

    const started = performance.now();
    const relay = startOutboxRelay({ pool, broker, schema: SCHEMA, logger, ...RELAY });
    let unsent = EVENTS;
    while (unsent > 0 && performance.now() - started < MAX_MS) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE sent_at IS NULL`);
      unsent = rows[0]?.n ?? EVENTS;
    }
    const elapsedMs = performance.now() - started;
    await relay.stop();

    const sent = EVENTS - unsent;
    const result = { events: sent, unsent, batch_size: RELAY.batchSize, max_in_flight: RELAY.maxInFlight, seconds: round(elapsedMs / 1000, 3), per_s: round(sent / (elapsedMs / 1000), 0) };
    progress(`outbox relay: ${result.per_s} events/s (${sent} sent in ${result.seconds} s)`);
    if (unsent > 0) throw new Error(`outbox relay left ${unsent} of ${EVENTS} events unsent after ${MAX_MS / 1000} s`);
    return result;
  } finally {
    await broker.close();
    await bench.remove();
    await pool.end();
    await db.drop();
  }
}
