import { isAppError } from '@platform/shared/errors';
import type { SyncDeps } from './deps.ts';
import { requestRun } from './manage-jobs.ts';

/**
 * A cron tick of a connection: incremental, except that a connection without a full run for
 * fullRunEveryMs gets a full one (the run that finds people who vanished from the source).
 */
export async function requestScheduledRun(deps: SyncDeps, connectionId: string, fullRunEveryMs: number): Promise<void> {
  const connection = await deps.connections.findById(deps.db, connectionId);
  if (!connection?.enabled) return;
  const due = !connection.lastFullRunAt || deps.now().getTime() - connection.lastFullRunAt.getTime() >= fullRunEveryMs;
  try {
    await requestRun(deps, { connectionId, mode: due ? 'full' : 'incremental', trigger: 'schedule', actorId: null });
  } catch (err) {
    // Deleted or disabled between the tick and now: nothing to run.
    if (isAppError(err) && (err.code === 'BIZ_001' || err.code === 'BIZ_003')) return;
    throw err;
  }
}
