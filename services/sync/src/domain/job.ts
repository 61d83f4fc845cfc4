export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'partially_succeeded', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobTrigger = 'schedule' | 'manual';
export type JobMode = 'incremental' | 'full';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'partially_succeeded', 'cancelled']);

export type JobCounts = { fetched: number; created: number; updated: number; unchanged: number; deleted: number; failed: number };

export const emptyCounts = (): JobCounts => ({ fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 });

export const addCounts = (a: JobCounts, b: Partial<JobCounts>): JobCounts => ({
  fetched: a.fetched + (b.fetched ?? 0),
  created: a.created + (b.created ?? 0),
  updated: a.updated + (b.updated ?? 0),
  unchanged: a.unchanged + (b.unchanged ?? 0),
  deleted: a.deleted + (b.deleted ?? 0),
  failed: a.failed + (b.failed ?? 0),
});

export type Job = {
  id: string;
  connectionId: string;
  trigger: JobTrigger;
  mode: JobMode;
  status: JobStatus;
  counts: JobCounts;
  cursorStart: string | null;
  cursor: string | null;
  pages: number;
  error: string | null;
  pausedUntil: Date | null;
  pauseReason: string | null;
  attempts: number;
  cancelRequested: boolean;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
};

/** A record the job could not import, with the reason an admin can act on. */
export type RecordError = { recordRef: string | null; field: string | null; message: string; raw: unknown };

/** How a finished run ends: any failed record makes it partial, nothing imported at all makes it failed. */
export function finalStatus(counts: JobCounts): 'succeeded' | 'partially_succeeded' | 'failed' {
  if (counts.failed === 0) return 'succeeded';
  return counts.fetched > counts.failed ? 'partially_succeeded' : 'failed';
}
