import type { Pool } from '@platform/shared/db';
import type { CleanupRepo } from '../usecases/cleanup.ts';

export function createPgCleanupRepo(pool: Pool): CleanupRepo {
  return {
    async unpurged(limit) {
      const { rows } = await pool.query<{ id: string; storage_key: string }>(
        `SELECT id, storage_key FROM files.files WHERE deleted_at IS NOT NULL AND purged_at IS NULL
         ORDER BY deleted_at, id LIMIT $1`, [limit]);
      return rows.map((r) => ({ id: r.id, storageKey: r.storage_key }));
    },
    async markPurged(id, at) {
      await pool.query('UPDATE files.files SET purged_at = $2 WHERE id = $1 AND purged_at IS NULL', [id, at]);
    },
    async expiredUploads(now, limit) {
      const { rows } = await pool.query<{ id: string; owner_id: string; reserved_bytes: string }>(
        `SELECT id, owner_id, reserved_bytes FROM files.tus_uploads WHERE completed_file_id IS NULL AND expires_at <= $1
         ORDER BY expires_at, id LIMIT $2`, [now, limit]);
      return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, reservedBytes: Number(r.reserved_bytes) }));
    },
    async dropUpload(tx, upload) {
      const { rows } = await tx.query<{ reserved_bytes: string }>(
        'DELETE FROM files.tus_uploads WHERE id = $1 AND completed_file_id IS NULL RETURNING reserved_bytes', [upload.id]);
      const reserved = rows[0] ? Number(rows[0].reserved_bytes) : null;
      if (reserved === null) return false;
      if (reserved > 0) {
        await tx.query('UPDATE files.quotas SET reserved_bytes = GREATEST(reserved_bytes - $2, 0), updated_at = now() WHERE user_id = $1',
          [upload.ownerId, reserved]);
      }
      return true;
    },
    async pruneCompleted(now) {
      const { rowCount } = await pool.query('DELETE FROM files.tus_uploads WHERE completed_file_id IS NOT NULL AND expires_at <= $1', [now]);
      return rowCount ?? 0;
    },
    async retire(tx, before, limit, at) {
      const { rows } = await tx.query<{ id: string; owner_id: string; size: string }>(
        `UPDATE files.files SET status = 'deleted', deleted_at = $3, updated_at = $3, version = version + 1
         WHERE id IN (SELECT id FROM files.files WHERE deleted_at IS NULL AND created_at < $1 ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, owner_id, size`, [before, limit, at]);
      const files = rows.map((r) => ({ id: r.id, ownerId: r.owner_id, size: Number(r.size) }));
      const perOwner = new Map<string, number>();
      for (const f of files) perOwner.set(f.ownerId, (perOwner.get(f.ownerId) ?? 0) + f.size);
      for (const [owner, bytes] of perOwner) {
        await tx.query('UPDATE files.quotas SET used_bytes = GREATEST(used_bytes - $2, 0), updated_at = now() WHERE user_id = $1', [owner, bytes]);
      }
      return files;
    },
  };
}
