import { Cron } from 'croner';
import type { Pool } from '@platform/shared/db';
import { runCleanup, type CleanupDeps, type CleanupReport } from '../usecases/cleanup.ts';

// One key for every replica of the file service: whoever holds it runs the pass, the others skip.
const LOCK_SQL = "SELECT pg_try_advisory_lock(hashtextextended('files.cleanup', 0)) AS locked";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('files.cleanup', 0))";

export type CleanupRun = { ran: false } | ({ ran: true; duration_ms: number } & CleanupReport);

/**
 * Runs one cleanup pass if no other process (replica) is running one: a session-level advisory
 * lock on a connection held for the whole pass. Tests call this directly.
 */
export async function runCleanupOnce(pool: Pool, deps: CleanupDeps): Promise<CleanupRun> {
  const lockClient = await pool.connect();
  let broken = false;
  try {
    const { rows } = await lockClient.query<{ locked: boolean }>(LOCK_SQL);
    if (!rows[0]?.locked) {
      deps.logger.info('cleanup: another runner holds the lock, skipping');
      return { ran: false };
    }
    const started = Date.now();
    deps.logger.info('cleanup: started');
    try {
      const report = await runCleanup(deps);
      const duration_ms = Date.now() - started;
      deps.logger.info('cleanup: finished', { ...report, duration_ms });
      return { ran: true, duration_ms, ...report };
    } finally {
      await lockClient.query(UNLOCK_SQL).catch(() => { broken = true; });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
    lockClient.release(broken);
  }
}

/** The cron schedule (CLEANUP_CRON); a pass never overlaps the previous one in this process. */
export function startCleanupSchedule(pool: Pool, deps: CleanupDeps, pattern: string): { stop(): void } {
  const job = new Cron(pattern, { protect: true, catch: (err) => deps.logger.error('cleanup: pass failed', { err }) }, async () => {
    await runCleanupOnce(pool, deps);
  });
  return { stop: () => job.stop() };
}
