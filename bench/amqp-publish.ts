// Raw publishes on a confirm channel with a window of 200 unconfirmed messages: the broker's
// ceiling that the outbox relay is compared with.
import { randomUUID } from 'node:crypto';
import { createBenchExchange } from './lib/bench-exchange.ts';
import { progress } from './lib/log.ts';
import { round } from './lib/stats.ts';

const MESSAGES = 20_000;
const IN_FLIGHT = 200;
const MAX_MS = 30_000;

/** A body the size of a real event envelope. */
export function sampleEvent(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    id: randomUUID(), type: 'user.registered', version: 1, occurred_at: new Date().toISOString(), source: 'bench',
    subject: randomUUID(), data: { user_id: randomUUID(), email: `bench-${i}@example.test`, display_name: `Bench ${i}` },
  }));
}

export async function measureRawPublish(amqpUrl: string) {
  const bench = await createBenchExchange(amqpUrl, 'raw');
  try {
    const started = performance.now();
    const deadline = started + MAX_MS;
    let sent = 0;
    let confirmed = 0;
    await new Promise<void>((resolve, reject) => {
      // A broker that stops confirming must not hang the run.
      const stuck = setTimeout(() => reject(new Error(`confirms stopped after ${confirmed} of ${sent}`)), MAX_MS + 10_000);
      const finish = () => { clearTimeout(stuck); resolve(); };
      const publishMore = () => {
        while (sent - confirmed < IN_FLIGHT && sent < MESSAGES && performance.now() < deadline) {
          const i = sent++;
          bench.channel.publish(bench.exchange, 'user.registered', sampleEvent(i), { persistent: true, contentType: 'application/json' }, (err) => {
            if (err) return reject(new Error(`broker refused message ${i}`));
            confirmed++;
            if (confirmed === sent && (sent === MESSAGES || performance.now() >= deadline)) finish();
            else publishMore();
          });
        }
      };
      publishMore();
    });
    const elapsedMs = performance.now() - started;
    const result = { messages: confirmed, in_flight: IN_FLIGHT, persistent: true, seconds: round(elapsedMs / 1000, 3), per_s: round(confirmed / (elapsedMs / 1000), 0) };
    progress(`raw amqplib publishes: ${result.per_s}/s (${confirmed} confirmed, ${IN_FLIGHT} in flight)`);
    return result;
  } finally {
    await bench.remove();
  }
}
