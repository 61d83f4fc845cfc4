import type { JobErrorRepo } from '../usecases/ports.ts';

type Row = { id: string; record_ref: string | null; field: string | null; message: string; raw: unknown; created_at: Date };

export function createPgJobErrorRepo(): JobErrorRepo {
  return {
    async addMany(tx, jobId, errors) {
      if (errors.length === 0) return;
      await tx.query(
        `INSERT INTO sync.job_errors (job_id, record_ref, field, message, raw)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[])`,
        [jobId, errors.map((e) => e.recordRef), errors.map((e) => e.field), errors.map((e) => e.message),
          errors.map((e) => (e.raw === undefined ? null : JSON.stringify(e.raw)))]);
    },
    async list(db, jobId, { limit, offset }) {
      const [page, count] = await Promise.all([
        db.query<Row>('SELECT id, record_ref, field, message, raw, created_at FROM sync.job_errors WHERE job_id = $1 ORDER BY id LIMIT $2 OFFSET $3',
          [jobId, limit, offset]),
        db.query<{ n: string }>('SELECT count(*) AS n FROM sync.job_errors WHERE job_id = $1', [jobId]),
      ]);
      return {
        items: page.rows.map((r) => ({ id: String(r.id), recordRef: r.record_ref, field: r.field, message: r.message, raw: r.raw, createdAt: r.created_at })),
        total: Number(count.rows[0]!.n),
      };
    },
  };
}
