import type { Job, JobMode, JobTrigger } from '../domain/job.ts';
import { TERMINAL } from '../domain/job.ts';
import { syncErrors } from '../domain/sync-errors.ts';
import type { SyncDeps } from './deps.ts';
import type { JobListFilter } from './ports.ts';

type Deps = Pick<SyncDeps, 'db' | 'runInTx' | 'connections' | 'jobs' | 'jobErrors' | 'queue'>;

/**
 * Queues a run of the connection, or answers with its unfinished job (one at a time per
 * connection). The message goes to the work queue after the job row commits; if that publish is
 * lost the sweeper sends it again.
 */
export async function requestRun(
  deps: Deps, { connectionId, mode, trigger, actorId }: { connectionId: string; mode: JobMode; trigger: JobTrigger; actorId: string | null },
): Promise<{ job: Job; created: boolean }> {
  const result = await deps.runInTx(async (tx) => {
    const connection = await deps.connections.findById(tx, connectionId);
    if (!connection) throw syncErrors.connectionNotFound(connectionId);
    if (!connection.enabled) throw syncErrors.disabled();
    return deps.jobs.createOrGetActive(tx, { connectionId, trigger, mode, requestedBy: actorId });
  });
  if (result.created) await deps.queue.enqueue(result.job.id);
  return result;
}

export async function getJob(deps: Deps, id: string): Promise<Job> {
  const job = await deps.jobs.findById(deps.db, id);
  if (!job) throw syncErrors.jobNotFound(id);
  return job;
}

export const listJobs = (deps: Deps, filter: JobListFilter, page: { limit: number; offset: number }) => deps.jobs.list(deps.db, filter, page);

export async function listJobErrors(deps: Deps, id: string, page: { limit: number; offset: number }) {
  await getJob(deps, id);
  return deps.jobErrors.list(deps.db, id, page);
}

/** A queued job is cancelled at once; a running one stops at its next page boundary. */
export async function cancelJob(deps: Deps, id: string): Promise<Job> {
  return deps.runInTx(async (tx) => {
    const job = await deps.jobs.findById(tx, id);
    if (!job) throw syncErrors.jobNotFound(id);
    if (TERMINAL.has(job.status)) throw syncErrors.jobFinished(job.status);
    return (await deps.jobs.requestCancel(tx, id)) ?? job;
  });
}
