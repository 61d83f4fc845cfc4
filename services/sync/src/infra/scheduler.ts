import { Cron } from 'croner';
import type { Pool, PoolClient } from '@platform/shared/db';
import type { Logger } from '@platform/shared/logger';
import type { SyncDeps } from '../usecases/deps.ts';
import { requestScheduledRun } from '../usecases/scheduled-run.ts';

// pg advisory locks are per database: one scheduler per platform database, whatever the replica count.
const LOCK_KEY = 7_301_004_001;

export type Scheduler = { isLeader(): boolean; sweepNow(): Promise<void>; stop(): Promise<void> };

/**
 * One scheduler across replicas: whoever holds a session-level advisory lock on a dedicated
 * connection runs the cron timers of every scheduled connection (reloaded every sweep) and requeues
 * orphaned jobs (a lost publish, a dead worker). When its connection drops, the lock is released and
 * another replica takes over at its next sweep.
 */
export function startScheduler({ pool, deps, logger, sweepMs, fullRunEveryMs }: {
  pool: Pool; deps: SyncDeps; logger: Logger; sweepMs: number; fullRunEveryMs: number;
}): Scheduler {
  let lockClient: PoolClient | undefined;
  const crons = new Map<string, { cron: Cron; key: string }>();
  let stopped = false;
  let sweeping: Promise<void> | undefined;

  const stopCrons = () => {
    for (const { cron } of crons.values()) cron.stop();
    crons.clear();
  };

  const dropLock = () => {
    const client = lockClient;
    lockClient = undefined;
    stopCrons();
    client?.release(true);
  };

  async function lead(): Promise<boolean> {
    if (lockClient) {
      try {
        await lockClient.query('SELECT 1');
        return true;
      } catch {
        logger.warn('scheduler lost its lock connection');
        dropLock();
      }
    }
    const client = await pool.connect();
    client.on('error', (err) => logger.warn('scheduler lock connection failed', { err: err.message }));
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_KEY]);
    if (!rows[0]?.ok) {
      client.release();
      return false;
    }
    lockClient = client;
    logger.info('scheduler leading');
    return true;
  }

  async function reloadCrons(): Promise<void> {
    const scheduled = await deps.connections.listScheduled(deps.db);
    const wanted = new Map(scheduled.map((c) => [c.id, c.schedule!]));
    for (const [id, entry] of crons) {
      if (wanted.get(id) !== entry.key) {
        entry.cron.stop();
        crons.delete(id);
      }
    }
    for (const [id, schedule] of wanted) {
      if (crons.has(id)) continue;
      try {
        const cron = new Cron(schedule, { protect: true, catch: (err) => logger.warn('scheduled run failed', { connection_id: id, err }) }, async () => {
          await requestScheduledRun(deps, id, fullRunEveryMs);
        });
        crons.set(id, { cron, key: schedule });
      } catch (err) {
        logger.warn('connection schedule refused', { connection_id: id, err: (err as Error).message });
      }
    }
  }

  async function requeueOrphans(): Promise<void> {
    const ids = await deps.jobs.findOrphans(deps.db, deps.settings.jobStaleMs);
    if (ids.length === 0) return;
    await deps.jobs.touchQueued(deps.db, ids);
    for (const id of ids) await deps.queue.enqueue(id);
    logger.info('orphaned jobs requeued', { count: ids.length });
  }

  async function sweep(): Promise<void> {
    if (stopped) return;
    try {
      if (!(await lead())) return;
      await reloadCrons();
      await requeueOrphans();
    } catch (err) {
      logger.warn('scheduler sweep failed', { err: (err as Error).message });
    }
  }

  const run = () => {
    sweeping ??= sweep().finally(() => { sweeping = undefined; });
    return sweeping;
  };
  const timer = setInterval(() => void run(), sweepMs);
  timer.unref();
  void run();

  return {
    isLeader: () => lockClient !== undefined,
    sweepNow: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await sweeping;
      const client = lockClient;
      stopCrons();
      lockClient = undefined;
      if (client) {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
        client.release();
      }
    },
  };
}
