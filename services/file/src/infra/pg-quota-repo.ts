import type { Quota } from '../domain/quota.ts';
import type { QuotaRepo } from '../usecases/ports.ts';

type QuotaRow = { user_id: string; limit_bytes: string | null; used_bytes: string; reserved_bytes: string };

const toQuota = (r: QuotaRow): Quota => ({
  userId: r.user_id,
  limitBytes: r.limit_bytes === null ? null : Number(r.limit_bytes),
  usedBytes: Number(r.used_bytes),
  reservedBytes: Number(r.reserved_bytes),
});

const COLUMNS = 'user_id, limit_bytes, used_bytes, reserved_bytes';

export function createPgQuotaRepo(): QuotaRepo {
  return {
    async reserve(db, userId, bytes, defaultLimit) {
      await db.query('INSERT INTO files.quotas (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
      // The row lock makes concurrent reservations queue here; each re-checks the condition on the
      // row as the previous one left it, so together they never pass the limit.
      const { rowCount } = await db.query(
        `UPDATE files.quotas SET reserved_bytes = reserved_bytes + $2, updated_at = now()
         WHERE user_id = $1 AND used_bytes + reserved_bytes + $2 <= COALESCE(limit_bytes, $3)`,
        [userId, bytes, defaultLimit]);
      return rowCount === 1;
    },
    async release(db, userId, bytes) {
      if (bytes <= 0) return;
      await db.query(
        'UPDATE files.quotas SET reserved_bytes = GREATEST(reserved_bytes - $2, 0), updated_at = now() WHERE user_id = $1',
        [userId, bytes]);
    },
    async commit(tx, userId, reservedBytes, usedBytes) {
      await tx.query(
        `INSERT INTO files.quotas (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
      await tx.query(
        `UPDATE files.quotas SET reserved_bytes = GREATEST(reserved_bytes - $2, 0), used_bytes = used_bytes + $3, updated_at = now()
         WHERE user_id = $1`,
        [userId, reservedBytes, usedBytes]);
    },
    async free(tx, userId, bytes) {
      await tx.query(
        'UPDATE files.quotas SET used_bytes = GREATEST(used_bytes - $2, 0), updated_at = now() WHERE user_id = $1',
        [userId, bytes]);
    },
    async get(db, userId) {
      const { rows } = await db.query<QuotaRow>(`SELECT ${COLUMNS} FROM files.quotas WHERE user_id = $1`, [userId]);
      return rows[0] ? toQuota(rows[0]) : { userId, limitBytes: null, usedBytes: 0, reservedBytes: 0 };
    },
    async setLimit(db, userId, limitBytes, actorId) {
      const { rows } = await db.query<QuotaRow>(
        `INSERT INTO files.quotas (user_id, limit_bytes, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET limit_bytes = EXCLUDED.limit_bytes, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING ${COLUMNS}`,
        [userId, limitBytes, actorId]);
      return toQuota(rows[0]!);
    },
  };
}
