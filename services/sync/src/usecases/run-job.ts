import { isAppError } from '@platform/shared/errors';
import { redactValue } from '@platform/shared/logger';
import { syncJobCompleted, syncJobFailed, syncJobStarted } from '@platform/shared/events';
import type { Connection } from '../domain/connection.ts';
import { toImportedUser, type ImportedUser } from '../domain/imported-user.ts';
import { addCounts, finalStatus, type Job, type JobCounts, type JobStatus, type RecordError } from '../domain/job.ts';
import type { SyncDeps } from './deps.ts';
import { JobFailure, JobStop, startJobControl, type JobControl } from './job-control.ts';
import { ProviderError, type ProviderSession, type SourcePage } from './provider-port.ts';
import { openSession } from './open-session.ts';
import { maxWatermark, parseCursor, serializeCursor, startCursor, type SyncCursor } from './sync-cursor.ts';

export const EVENT_SOURCE = 'sync';

/** The external_source the user service keys this connection's people by. */
export const externalSource = (connectionId: string): string => `sync-${connectionId}`;

export type RunOutcome = 'finished' | 'released' | 'skipped' | 'lost';

type Run = { deps: SyncDeps; job: Job; connection: Connection; ctl: JobControl; session: ProviderSession; worker: string };

/**
 * Runs one job to its end: page by page from the provider, each page upserted in batches through the
 * user service and then committed in one transaction with the job's counters, the per-record errors
 * and the cursor, so a job that dies resumes after its last committed page. A full run then
 * deactivates the people that vanished from the source. While the user service or the provider is
 * unavailable the job pauses and retries with backoff.
 */
export async function runJob(deps: SyncDeps, jobId: string, { worker, signal }: { worker: string; signal: AbortSignal }): Promise<RunOutcome> {
  const job = await deps.runInTx(async (tx) => {
    const claimed = await deps.jobs.claim(tx, jobId, worker, deps.settings.jobStaleMs);
    if (claimed && claimed.attempts === 1) {
      await deps.outbox.add(tx, syncJobStarted.create({ job_id: claimed.id, connection_id: claimed.connectionId }, { source: EVENT_SOURCE, subject: claimed.id }));
    }
    return claimed;
  });
  if (!job) return 'skipped';
  const log = deps.logger.child({ job_id: job.id, connection_id: job.connectionId });
  log.info('sync job running', { mode: job.mode, trigger: job.trigger, attempt: job.attempts, resumed_pages: job.pages });

  const ctl = startJobControl(deps, job, worker, signal);
  try {
    const connection = await deps.connections.findById(deps.db, job.connectionId);
    if (!connection) throw new JobFailure('The connection was deleted');
    const session = await openSession(deps, connection, signal);
    const run: Run = { deps, job, connection, ctl, session, worker };
    const result = await importPages(run);
    let counts = result.counts;
    // A full run that read nothing at all is far likelier a broken source than an empty one: deactivate nobody.
    if (job.mode === 'full' && counts.fetched > 0) counts = await deactivateVanished(run, counts, result);
    const status = finalStatus(counts);
    await finish(deps, job, worker, status, counts, status === 'failed' ? 'Every record failed; see the job errors' : null, result.cursor);
    log.info('sync job finished', { counts });
    return 'finished';
  } catch (err) {
    if (err instanceof JobStop) {
      if (err.reason === 'lost') return 'lost';
      const current = (await deps.jobs.findById(deps.db, job.id)) ?? job;
      if (err.reason === 'stopping') {
        await deps.jobs.release(deps.db, job.id, worker);
        log.info('sync job released for another worker', { pages: current.pages });
        return 'released';
      }
      await finish(deps, job, worker, 'cancelled', current.counts, 'Cancelled by an admin', null);
      log.info('sync job cancelled', { counts: current.counts });
      return 'finished';
    }
    const message = failureMessage(err);
    if (!(err instanceof JobFailure) && !(err instanceof ProviderError) && !isAppError(err)) log.error('sync job crashed', { err });
    const current = (await deps.jobs.findById(deps.db, job.id)) ?? job;
    await finish(deps, job, worker, 'failed', current.counts, message, null);
    log.warn('sync job failed', { error: message, counts: current.counts });
    return 'finished';
  } finally {
    ctl.stop();
  }
}

async function importPages(run: Run): Promise<{ counts: JobCounts; cursor: SyncCursor; pages: number }> {
  const { deps, job, connection, ctl } = run;
  let cursor = job.pages > 0 ? parseCursor(job.cursor) : startCursor(parseCursor(job.cursorStart), job.mode);
  let counts = job.counts;
  let pages = job.pages;
  for (;;) {
    await ctl.beatAndCheck();
    const page = await untilAvailable(run, 'The provider', () => run.session.fetchPage(cursor.pos, cursor.since));
    // A source that hands back the position it was asked for would be read forever.
    if (page.next !== null && page.next === cursor.pos) throw new JobFailure('The source returned the same next page again');
    const { users, errors, seenIds, max } = await preparePage(run, page);
    const outcome = await upsertUsers(run, users);
    errors.push(...outcome.errors);
    counts = addCounts(counts, { fetched: page.records.length, ...outcome.counts, failed: errors.length });
    const next: SyncCursor = { pos: page.next, since: cursor.since, max: maxWatermark(cursor.max, max) };
    pages++;
    // The page is committed even when a cancel or a stop arrived meanwhile: its people are imported already.
    await deps.runInTx(async (tx) => {
      await deps.jobErrors.addMany(tx, job.id, errors);
      await deps.seen.markSeen(tx, connection.id, job.id, seenIds);
      // Fenced by the worker: a job taken over by another worker (this one stalled) commits nothing more here.
      if (!(await deps.jobs.savePage(tx, job.id, run.worker, { counts, cursor: serializeCursor(next), pages }))) throw new JobStop('lost');
      await deps.connections.saveCursor(tx, connection.id, serializeCursor(next));
    });
    cursor = next;
    if (page.next === null || page.records.length === 0) return { counts, cursor, pages };
  }
}

/** Maps and checks a page's records; duplicates within the run are errors, not second upserts. */
async function preparePage(run: Run, page: SourcePage) {
  const { deps, job, connection, session } = run;
  const users: ImportedUser[] = [];
  const errors: RecordError[] = [];
  const seenIds: string[] = [];
  let max: string | null = null;
  const candidates: { user: ImportedUser; raw: unknown }[] = [];
  for (const source of page.records) {
    // What the error log keeps of a record: secret-looking fields (password, token …) are masked.
    const raw = redactValue(source);
    let result;
    try {
      result = toImportedUser(session.mapRecord(source), raw);
    } catch (err) {
      result = { error: { recordRef: null, field: null, message: (err as Error).message, raw } };
    }
    if ('error' in result) {
      errors.push(result.error);
      if (result.error.recordRef) seenIds.push(result.error.recordRef);
      continue;
    }
    candidates.push({ user: result.user, raw });
    max = maxWatermark(max, session.watermark?.(source) ?? null);
  }
  const already = await deps.seen.seenInJob(deps.db, connection.id, job.id, candidates.map((c) => c.user.externalId));
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const { user, raw } of candidates) {
    const duplicateId = already.has(user.externalId) || ids.has(user.externalId);
    if (duplicateId || emails.has(user.email)) {
      errors.push({ recordRef: user.externalId, field: duplicateId ? 'external_id' : 'email', message: duplicateId ? 'Duplicate external id in this run' : 'Duplicate email in this run', raw });
      continue;
    }
    ids.add(user.externalId);
    emails.add(user.email);
    users.push(user);
    seenIds.push(user.externalId);
  }
  return { users, errors, seenIds: [...new Set(seenIds)], max };
}

/** A page's people in batches, up to upsertConcurrency batches in flight (each is idempotent on its own). */
async function upsertUsers(run: Run, users: ImportedUser[]) {
  const { deps, connection } = run;
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const errors: RecordError[] = [];
  const size = deps.settings.batchSize;
  const batches: ImportedUser[][] = [];
  for (let i = 0; i < users.length; i += size) batches.push(users.slice(i, i + size));
  let next = 0;
  let broken = false;
  const lane = async () => {
    while (next < batches.length && !broken) {
      const batch = batches[next++]!;
      const outcomes = await untilAvailable(run, 'The user service', () => deps.userDirectory.batchUpsert(externalSource(connection.id), batch));
      for (const o of outcomes) {
        if (o.status === 'invalid') errors.push({ recordRef: o.externalId, field: o.field, message: o.message, raw: null });
        else counts[o.status]++;
      }
    }
  };
  // Every lane is waited for before a failure is passed on, so nothing is still writing when the job ends.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(deps.settings.upsertConcurrency, batches.length) }, () => lane().catch((err: unknown) => {
    broken = true;
    throw err;
  })));
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return { counts, errors };
}

async function deactivateVanished(run: Run, counts: JobCounts, at: { cursor: SyncCursor; pages: number }): Promise<JobCounts> {
  const { deps, job, connection, ctl } = run;
  let total = counts;
  let after: string | null = null;
  for (;;) {
    ctl.check();
    const ids = await deps.seen.vanished(deps.db, connection.id, job.id, after, deps.settings.batchSize);
    if (ids.length === 0) return total;
    after = ids.at(-1)!;
    const result = await untilAvailable(run, 'The user service', () => deps.userDirectory.deactivate(externalSource(connection.id), ids));
    // A refused deactivation stays pending (not marked), so the next full run tries it again.
    const errors: RecordError[] = result.failed.map((f) => ({ recordRef: f.externalId, field: null, message: `Not deactivated: ${f.message}`, raw: null }));
    total = addCounts(total, { deleted: result.deactivated, failed: errors.length });
    const next = total;
    await deps.runInTx(async (tx) => {
      await deps.jobErrors.addMany(tx, job.id, errors);
      await deps.seen.markDeactivated(tx, connection.id, result.done);
      if (!(await deps.jobs.savePage(tx, job.id, run.worker, { counts: next, cursor: serializeCursor(at.cursor), pages: at.pages }))) throw new JobStop('lost');
    });
  }
}

const isTransient = (err: unknown): boolean =>
  err instanceof ProviderError ? err.retryable : isAppError(err) && err.status >= 500;

/** Calls fn until it succeeds; while the target is unavailable the job is paused with a growing wait. */
async function untilAvailable<T>(run: Run, what: string, fn: () => Promise<T>): Promise<T> {
  const { deps, job, ctl } = run;
  const { backoffInitialMs, backoffMaxMs, pauseLimitMs } = deps.settings;
  let delay = backoffInitialMs;
  let pausedAt: number | undefined;
  for (;;) {
    try {
      const result = await fn();
      if (pausedAt !== undefined) {
        await deps.jobs.setPause(deps.db, job.id, null);
        deps.logger.info('sync job resumed', { job_id: job.id, paused_ms: Date.now() - pausedAt });
      }
      return result;
    } catch (err) {
      if (!isTransient(err)) throw err;
      pausedAt ??= Date.now();
      if (Date.now() - pausedAt >= pauseLimitMs) throw new JobFailure(`${what} stayed unavailable for too long`, { cause: err });
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      await deps.jobs.setPause(deps.db, job.id, { until: new Date(Date.now() + wait), reason: `${what} is unavailable` });
      deps.logger.warn('sync job paused', { job_id: job.id, reason: `${what} is unavailable`, retry_in_ms: wait, err: (err as Error).message });
      await ctl.sleep(wait);
      delay = Math.min(delay * 2, backoffMaxMs);
    }
  }
}

async function finish(deps: SyncDeps, job: Job, worker: string, status: JobStatus, counts: JobCounts, error: string | null, cursor: SyncCursor | null) {
  await deps.runInTx(async (tx) => {
    const done = await deps.jobs.finish(tx, job.id, worker, { status, counts, error });
    // Taken over by another worker meanwhile: that worker ends it.
    if (!done) return;
    if (cursor) await deps.connections.saveCursor(tx, job.connectionId, serializeCursor({ pos: null, since: cursor.max, max: cursor.max }));
    if (cursor && job.mode === 'full') await deps.connections.markFullRun(tx, job.connectionId, deps.now());
    const meta = { source: EVENT_SOURCE, subject: job.id };
    const data = { job_id: done.id, connection_id: done.connectionId, counts: { ...done.counts } };
    if (status === 'succeeded' || status === 'partially_succeeded') await deps.outbox.add(tx, syncJobCompleted.create(data, meta));
    else await deps.outbox.add(tx, syncJobFailed.create({ ...data, error: (error ?? status).slice(0, 2000) }, meta));
  });
}

function failureMessage(err: unknown): string {
  if (err instanceof JobFailure || err instanceof ProviderError) return err.message;
  if (isAppError(err)) return err.message;
  return 'The job failed unexpectedly';
}
