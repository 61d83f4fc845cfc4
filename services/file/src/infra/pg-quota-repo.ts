import type { Quota } from '../domain/quota.ts';
import type { Db, QuotaRepo } from '../usecases/ports.ts';

type QuotaRow = { user_id: string; limit_bytes: string | null; used_bytes: string; reserved_bytes: string };

const toQuota = (r: QuotaRow): Quota => ({
  userId: r.user_id,
  limitBytes: r.limit_bytes === null ? null : Number(r.limit_bytes),
  usedBytes: Number(r.used_bytes),
  reservedBytes: Number(r.reserved_bytes),
});

const COLUMNS = 'user_id, limit_bytes, used_bytes, reserved_bytes';

/** Gives back the bytes of leases past their expiry (one user's, or everyone's); returns how many users got bytes back. */
async function reclaim(db: Db, userId?: string): Promise<number> {
  const { rowCount } = await db.query(
    `WITH r AS (DELETE FROM files.quota_reservations WHERE expires_at < now() AND ($1::uuid IS NULL OR user_id = $1) RETURNING user_id, bytes),
     s AS (SELECT user_id, sum(bytes) AS b FROM r GROUP BY user_id)
     UPDATE files.quotas q SET reserved_bytes = GREATEST(q.reserved_bytes - s.b, 0), updated_at = now()
     FROM s WHERE q.user_id = s.user_id`,
    [userId ?? null]);
  return rowCount ?? 0;
}

export function createPgQuotaRepo(): QuotaRepo {
  return {
    async reserve(db, userId, bytes, defaultLimit, lease) {
      await db.query('INSERT INTO files.quotas (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
      await reclaim(db, userId);
      // The row lock makes concurrent reservations queue here; each re-checks the condition on the
      // row as the previous one left it, so together they never pass the limit. With a lease, the
      // bytes are also recorded against the upload in the same statement.
      if (!lease) {
        const { rowCount } = await db.query(
          `UPDATE files.quotas SET reserved_bytes = reserved_bytes + $2, updated_at = now()
           WHERE user_id = $1 AND used_bytes + reserved_bytes + $2 <= COALESCE(limit_bytes, $3)`,
          [userId, bytes, defaultLimit]);
        return rowCount === 1;
      }
      const { rowCount } = await db.query(
        `WITH q AS (
           UPDATE files.quotas SET reserved_bytes = reserved_bytes + $2, updated_at = now()
           WHERE user_id = $1 AND used_bytes + reserved_bytes + $2 <= COALESCE(limit_bytes, $3)
           RETURNING user_id)
         INSERT INTO files.quota_reservations (id, user_id, bytes, expires_at)
         SELECT $4, user_id, $2, now() + $5 * interval '1 millisecond' FROM q
         ON CONFLICT (id) DO UPDATE SET bytes = files.quota_reservations.bytes + EXCLUDED.bytes, expires_at = EXCLUDED.expires_at`,
        [userId, bytes, defaultLimit, lease.id, lease.ttlMs]);
      return rowCount === 1;
    },
    async release(db, userId, bytes, leaseId) {
      if (leaseId) {
        // The lease row says how much it holds; gone (already reclaimed) means nothing to give back.
        await db.query(
          `WITH r AS (DELETE FROM files.quota_reservations WHERE id = $1 RETURNING user_id, bytes)
           UPDATE files.quotas q SET reserved_bytes = GREATEST(q.reserved_bytes - r.bytes, 0), updated_at = now()
           FROM r WHERE q.user_id = r.user_id`,
          [leaseId]);
      }
      if (bytes <= 0) return;
      await db.query(
        'UPDATE files.quotas SET reserved_bytes = GREATEST(reserved_bytes - $2, 0), updated_at = now() WHERE user_id = $1',
        [userId, bytes]);
    },
    async commit(tx, userId, reservedBytes, usedBytes, leaseId) {
      await tx.query(
        `INSERT INTO files.quotas (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
      await tx.query(
        `WITH r AS (DELETE FROM files.quota_reservations WHERE id = $4 RETURNING bytes)
         UPDATE files.quotas SET reserved_bytes = GREATEST(reserved_bytes - $2 - COALESCE((SELECT sum(bytes) FROM r), 0), 0),
           used_bytes = used_bytes + $3, updated_at = now()
         WHERE user_id = $1`,
        [userId, reservedBytes, usedBytes, leaseId ?? null]);
    },
    reclaimExpired: (db, userId) => reclaim(db, userId),
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
