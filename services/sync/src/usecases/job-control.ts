import type { Job } from '../domain/job.ts';
import type { SyncDeps } from './deps.ts';

/** Why a run stops before its source is exhausted. */
export class JobStop extends Error {
  override readonly name = 'JobStop';
  readonly reason: 'cancelled' | 'stopping' | 'lost';
  constructor(reason: 'cancelled' | 'stopping' | 'lost') {
    super(`job stopped: ${reason}`);
    this.reason = reason;
  }
}

/** A job's failure with a message safe to show an admin. */
export class JobFailure extends Error {
  override readonly name = 'JobFailure';
}

export type JobControl = {
  /** Throws JobStop when the job was cancelled, lost to another worker, or its worker is stopping. */
  check(): void;
  /** Beats now (a page boundary) so a cancel is seen at once, then checks. */
  beatAndCheck(): Promise<void>;
  /** Waits ms, waking early (with JobStop) on a cancel or a stop. */
  sleep(ms: number): Promise<void>;
  stop(): void;
};

/**
 * Beats the job's heartbeat while it runs and learns of a cancel request or of the job being taken
 * over (its heartbeat went stale and another worker claimed it) on each beat.
 */
export function startJobControl(deps: Pick<SyncDeps, 'db' | 'jobs' | 'logger' | 'settings'>, job: Job, worker: string, signal: AbortSignal): JobControl {
  let reason: JobStop['reason'] | undefined;
  const wakers = new Set<() => void>();
  const setReason = (r: JobStop['reason']) => {
    reason ??= r;
    for (const wake of wakers) wake();
  };
  const onAbort = () => setReason('stopping');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) setReason('stopping');
  const beat = () => deps.jobs.heartbeat(deps.db, job.id, worker).then(
    (b) => {
      if (!b.owned) setReason('lost');
      else if (b.cancelRequested) setReason('cancelled');
    },
    (err: unknown) => deps.logger.warn('job heartbeat failed', { job_id: job.id, err: (err as Error).message }),
  );
  const timer = setInterval(() => void beat(), deps.settings.heartbeatMs);
  timer.unref();

  return {
    check() {
      if (reason) throw new JobStop(reason);
    },
    async beatAndCheck() {
      await beat();
      if (reason) throw new JobStop(reason);
    },
    sleep(ms) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(t);
          wakers.delete(done);
          if (reason) reject(new JobStop(reason));
          else resolve();
        };
        const t = setTimeout(done, ms);
        wakers.add(done);
        if (reason) done();
      });
    },
    stop() {
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
