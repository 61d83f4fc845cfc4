import type { SeenRecordRepo } from '../usecases/ports.ts';

export function createPgSeenRecordRepo(): SeenRecordRepo {
  return {
    async markSeen(tx, connectionId, jobId, externalIds) {
      if (externalIds.length === 0) return;
      await tx.query(
        `INSERT INTO sync.seen_records (connection_id, external_id, last_seen_job)
         SELECT $1, x, $2 FROM unnest($3::text[]) AS x
         ON CONFLICT (connection_id, external_id) DO UPDATE SET last_seen_job = EXCLUDED.last_seen_job, deactivated = false`,
        [connectionId, jobId, externalIds]);
    },
    async seenInJob(db, connectionId, jobId, externalIds) {
      if (externalIds.length === 0) return new Set();
      const { rows } = await db.query<{ external_id: string }>(
        'SELECT external_id FROM sync.seen_records WHERE connection_id = $1 AND last_seen_job = $2 AND external_id = ANY($3::text[])',
        [connectionId, jobId, externalIds]);
      return new Set(rows.map((r) => r.external_id));
    },
    async vanished(db, connectionId, jobId, after, limit) {
      const { rows } = await db.query<{ external_id: string }>(
        `SELECT external_id FROM sync.seen_records
         WHERE connection_id = $1 AND last_seen_job <> $2 AND NOT deactivated AND ($3::text IS NULL OR external_id > $3)
         ORDER BY external_id LIMIT $4`, [connectionId, jobId, after, limit]);
      return rows.map((r) => r.external_id);
    },
    async markDeactivated(tx, connectionId, externalIds) {
      if (externalIds.length === 0) return;
      await tx.query('UPDATE sync.seen_records SET deactivated = true WHERE connection_id = $1 AND external_id = ANY($2::text[])',
        [connectionId, externalIds]);
    },
  };
}
