import type { Pool } from '@platform/shared/db';
import type { Logger } from '@platform/shared/logger';
import type { ChangeLog } from '../usecases/change-feed-ports.ts';
import { changesPruned } from './consumers/change-metrics.ts';

export type ChangePruner = { runOnce(): Promise<number>; stop(): Promise<void> };

const BATCH = 10_000;

/**
 * Deletes changes older than the retention window every `everyMs`, in batches of 10 000 rows (one
 * short transaction each). Replicas may all run it: a transaction-level try-lock lets one prune and
 * the others skip. Cursors at or below the pruned ids get 410 from then on.
 */
export function startChangePruner({ pool, changes, retentionDays, everyMs, logger, now = () => new Date() }: {
  pool: Pool; changes: ChangeLog; retentionDays: number; everyMs: number; logger: Logger; now?: () => Date;
}): ChangePruner {
  let running: Promise<number> | null = null;
  let stopped = false;

  async function batch(cutoff: Date): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const n = await changes.prune(client, cutoff, BATCH);
      await client.query('COMMIT');
      return n;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function pass(): Promise<number> {
    const cutoff = new Date(now().getTime() - retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await batch(cutoff);
      total += n;
      if (n < BATCH || stopped) break;
    }
    if (total > 0) {
      changesPruned.inc(total);
      logger.info('change feed pruned', { deleted: total, cutoff: cutoff.toISOString() });
    }
    return total;
  }

  const runOnce = () => {
    running ??= pass().finally(() => { running = null; });
    return running;
  };

  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => logger.warn('change feed pruning failed', { err }));
  }, everyMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
