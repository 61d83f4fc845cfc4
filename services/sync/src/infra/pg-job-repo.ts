import type { Job, JobCounts, JobMode, JobStatus, JobTrigger } from '../domain/job.ts';
import { emptyCounts } from '../domain/job.ts';
import type { JobRepo } from '../usecases/ports.ts';

const COLUMNS = `id, connection_id, trigger, mode, status, counts, cursor_start, cursor, pages, error, paused_until,
  pause_reason, attempts, cancel_requested, requested_by, created_at, started_at, finished_at, heartbeat_at`;

type Row = {
  id: string; connection_id: string; trigger: JobTrigger; mode: JobMode; status: JobStatus; counts: Partial<JobCounts>;
  cursor_start: string | null; cursor: string | null; pages: number; error: string | null; paused_until: Date | null;
  pause_reason: string | null; attempts: number; cancel_requested: boolean; requested_by: string | null;
  created_at: Date; started_at: Date | null; finished_at: Date | null; heartbeat_at: Date | null;
};

const toJob = (r: Row): Job => ({
  id: r.id, connectionId: r.connection_id, trigger: r.trigger, mode: r.mode, status: r.status,
  counts: { ...emptyCounts(), ...r.counts }, cursorStart: r.cursor_start, cursor: r.cursor, pages: r.pages, error: r.error,
  pausedUntil: r.paused_until, pauseReason: r.pause_reason, attempts: r.attempts, cancelRequested: r.cancel_requested,
  requestedBy: r.requested_by, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, heartbeatAt: r.heartbeat_at,
});

export function createPgJobRepo(): JobRepo {
  return {
    async createOrGetActive(tx, job) {
      // The partial unique index allows one queued/running job per connection: a second request gets that one.
      const inserted = await tx.query<Row>(
        `INSERT INTO sync.jobs (connection_id, trigger, mode, requested_by, cursor_start, cursor)
         SELECT $1, $2, $3, $4, c.cursor, c.cursor FROM sync.connections c WHERE c.id = $1
         ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING ${COLUMNS}`, [job.connectionId, job.trigger, job.mode, job.requestedBy]);
      if (inserted.rows[0]) return { job: toJob(inserted.rows[0]), created: true };
      const { rows } = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM sync.jobs WHERE connection_id = $1 AND status IN ('queued', 'running')`, [job.connectionId]);
      if (!rows[0]) throw new Error('job neither created nor found');
      return { job: toJob(rows[0]), created: false };
    },
    async findById(db, id) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sync.jobs WHERE id = $1`, [id]);
      return rows[0] ? toJob(rows[0]) : null;
    },
    async list(db, filter, { limit, offset }) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (filter.connectionId) { values.push(filter.connectionId); where.push(`connection_id = $${values.length}`); }
      if (filter.status) { values.push(filter.status); where.push(`status = $${values.length}`); }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [page, count] = await Promise.all([
        db.query<Row>(`SELECT ${COLUMNS} FROM sync.jobs ${clause} ORDER BY created_at DESC, id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
          [...values, limit, offset]),
        db.query<{ n: string }>(`SELECT count(*) AS n FROM sync.jobs ${clause}`, values),
      ]);
      return { items: page.rows.map(toJob), total: Number(count.rows[0]!.n) };
    },
    async claim(tx, id, worker, staleMs) {
      const { rows } = await tx.query<Row>(
        `UPDATE sync.jobs SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(),
           worker = $2, attempts = attempts + 1, paused_until = NULL, pause_reason = NULL
         WHERE id = $1 AND NOT cancel_requested
           AND (status = 'queued' OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $3 / 1000.0))))
         RETURNING ${COLUMNS}`, [id, worker, staleMs]);
      return rows[0] ? toJob(rows[0]) : null;
    },
    async heartbeat(db, id, worker) {
      const { rows } = await db.query<{ cancel_requested: boolean }>(
        `UPDATE sync.jobs SET heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING cancel_requested`, [id, worker]);
      return rows[0] ? { cancelRequested: rows[0].cancel_requested, owned: true } : { cancelRequested: false, owned: false };
    },
    async savePage(tx, id, worker, p) {
      const { rowCount } = await tx.query(
        `UPDATE sync.jobs SET counts = $3, cursor = $4, pages = $5, heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running'`,
        [id, worker, p.counts, p.cursor, p.pages]);
      return (rowCount ?? 0) > 0;
    },
    async setPause(db, id, pause) {
      await db.query('UPDATE sync.jobs SET paused_until = $2, pause_reason = $3, heartbeat_at = now() WHERE id = $1',
        [id, pause?.until ?? null, pause?.reason ?? null]);
    },
    async finish(tx, id, worker, f) {
      const { rows } = await tx.query<Row>(
        `UPDATE sync.jobs SET status = $3, counts = $4, error = $5, finished_at = now(), paused_until = NULL, pause_reason = NULL
         WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING ${COLUMNS}`, [id, worker, f.status, f.counts, f.error]);
      return rows[0] ? toJob(rows[0]) : null;
    },
    async release(db, id, worker) {
      await db.query(`UPDATE sync.jobs SET status = 'queued', worker = NULL, heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running'`,
        [id, worker]);
    },
    async requestCancel(tx, id) {
      // A queued job ends at once; a running one stops at its next page boundary.
      const { rows } = await tx.query<Row>(
        `UPDATE sync.jobs SET cancel_requested = true,
           status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
           finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${COLUMNS}`, [id]);
      return rows[0] ? toJob(rows[0]) : null;
    },
    async findOrphans(db, staleMs) {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM sync.jobs
         WHERE status IN ('queued', 'running') AND coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $1 / 1000.0)
         ORDER BY created_at LIMIT 100`, [staleMs]);
      return rows.map((r) => r.id);
    },
    async touchQueued(db, ids) {
      if (ids.length) await db.query(`UPDATE sync.jobs SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = 'queued'`, [ids]);
    },
  };
}
