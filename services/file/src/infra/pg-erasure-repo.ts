import type { ErasureRepo } from '../usecases/erase-user-files.ts';

export function createPgErasureRepo(): ErasureRepo {
  return {
    async unpurgedKeys(tx, userId) {
      const { rows } = await tx.query<{ id: string; storage_key: string }>(
        'SELECT id, storage_key FROM files.files WHERE owner_id = $1 AND purged_at IS NULL ORDER BY id FOR UPDATE', [userId]);
      return rows.map((r) => ({ id: r.id, storageKey: r.storage_key }));
    },
    async markErased(tx, userId, at) {
      // The names may be personal data: they are replaced, the rest is kept as an anonymous record.
      const { rowCount } = await tx.query(
        `UPDATE files.files SET status = 'deleted', deleted_at = COALESCE(deleted_at, $2), purged_at = COALESCE(purged_at, $2),
           name = 'erased', original_name = 'erased', updated_at = $2, version = version + 1
         WHERE owner_id = $1 AND (purged_at IS NULL OR name <> 'erased')`, [userId, at]);
      await tx.query('UPDATE files.links SET revoked_at = $2 WHERE revoked_at IS NULL AND file_id IN (SELECT id FROM files.files WHERE owner_id = $1)', [userId, at]);
      return rowCount ?? 0;
    },
    async deleteUploads(tx, userId) {
      const { rows } = await tx.query<{ id: string }>('DELETE FROM files.tus_uploads WHERE owner_id = $1 RETURNING id', [userId]);
      return rows.map((r) => r.id);
    },
    async deleteQuota(tx, userId) {
      await tx.query('DELETE FROM files.quota_reservations WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM files.quotas WHERE user_id = $1', [userId]);
    },
  };
}
