import type { TusUpload, TusUploadRepo } from '../usecases/resumable-uploads.ts';

type Row = {
  id: string; owner_id: string; size: string | null; reserved_bytes: string; metadata: Record<string, string>;
  created_at: Date; expires_at: Date; completed_file_id: string | null;
};

const COLUMNS = 'id, owner_id, size, reserved_bytes, metadata, created_at, expires_at, completed_file_id';

const toUpload = (r: Row): TusUpload => ({
  id: r.id, ownerId: r.owner_id, size: Number(r.size ?? 0), reservedBytes: Number(r.reserved_bytes), metadata: r.metadata ?? {},
  createdAt: r.created_at, expiresAt: r.expires_at, completedFileId: r.completed_file_id,
});

export function createPgTusUploadRepo(): TusUploadRepo {
  return {
    async insert(tx, u) {
      await tx.query(
        `INSERT INTO files.tus_uploads (id, owner_id, size, reserved_bytes, metadata, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [u.id, u.ownerId, u.size, u.reservedBytes, JSON.stringify(u.metadata), u.createdAt, u.expiresAt]);
    },
    async find(db, id) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM files.tus_uploads WHERE id = $1`, [id]);
      return rows[0] ? toUpload(rows[0]) : null;
    },
    async complete(db, id, fileId) {
      await db.query('UPDATE files.tus_uploads SET completed_file_id = $2, reserved_bytes = 0 WHERE id = $1', [id, fileId]);
    },
    async remove(tx, id) {
      const { rows } = await tx.query<Row>(`DELETE FROM files.tus_uploads WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      return rows[0] ? toUpload(rows[0]) : null;
    },
  };
}
