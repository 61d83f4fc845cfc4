import { fromPgError } from '@platform/shared/errors';
import type { StoredFile } from '../domain/file.ts';
import type { FileRepo, FileSort } from '../usecases/ports.ts';

const COLUMNS = `id, owner_id, name, original_name, size, content_type, sha256, storage_key, status, download_count,
  last_downloaded_at, created_at, updated_at, created_by, updated_by, deleted_at, version`;

type FileRow = {
  id: string; owner_id: string; name: string; original_name: string; size: string; content_type: string; sha256: string;
  storage_key: string; status: 'active' | 'deleted'; download_count: string; last_downloaded_at: Date | null;
  created_at: Date; updated_at: Date; created_by: string | null; updated_by: string | null; deleted_at: Date | null; version: number;
};

export const toStoredFile = (r: FileRow): StoredFile => ({
  id: r.id,
  ownerId: r.owner_id,
  name: r.name,
  originalName: r.original_name,
  size: Number(r.size),
  contentType: r.content_type,
  sha256: r.sha256,
  storageKey: r.storage_key,
  status: r.status,
  downloadCount: Number(r.download_count),
  lastDownloadedAt: r.last_downloaded_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  createdBy: r.created_by,
  updatedBy: r.updated_by,
  deletedAt: r.deleted_at,
  version: r.version,
});

// Whitelisted, so the ORDER BY never carries client text.
const SORT_SQL: Record<FileSort, string> = { created_at: 'created_at', name: 'name', size: 'size' };

export function createPgFileRepo(): FileRepo {
  return {
    async insert(tx, f) {
      try {
        const { rows } = await tx.query<FileRow>(
          `INSERT INTO files.files (id, owner_id, name, original_name, size, content_type, sha256, storage_key, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
          [f.id, f.ownerId, f.name, f.originalName, f.size, f.contentType, f.sha256, f.storageKey, f.createdBy]);
        return toStoredFile(rows[0]!);
      } catch (err) {
        throw fromPgError(err, 'file');
      }
    },
    async findById(db, id) {
      const { rows } = await db.query<FileRow>(`SELECT ${COLUMNS} FROM files.files WHERE id = $1 AND status = 'active'`, [id]);
      return rows[0] ? toStoredFile(rows[0]) : null;
    },
    async list(db, q) {
      const where = q.ownerId ? `status = 'active' AND owner_id = $3` : `status = 'active'`;
      const params: unknown[] = [q.limit, q.offset, ...(q.ownerId ? [q.ownerId] : [])];
      const dir = q.order === 'asc' ? 'ASC' : 'DESC';
      const { rows } = await db.query<FileRow & { total: string }>(
        `SELECT ${COLUMNS}, count(*) OVER () AS total FROM files.files WHERE ${where}
         ORDER BY ${SORT_SQL[q.sort]} ${dir}, id ${dir} LIMIT $1 OFFSET $2`, params);
      let total = rows[0] ? Number(rows[0].total) : 0;
      if (!rows[0] && q.offset > 0) {
        // Past the last page: the window count is not there, so count on its own.
        const counted = await db.query<{ n: string }>(`SELECT count(*) AS n FROM files.files WHERE ${where.replace('$3', '$1')}`, q.ownerId ? [q.ownerId] : []);
        total = Number(counted.rows[0]!.n);
      }
      return { items: rows.map(toStoredFile), total };
    },
    async rename(tx, id, name, actorId, expectedVersion) {
      const { rows } = await tx.query<FileRow>(
        `UPDATE files.files SET name = $2, updated_by = $3, updated_at = now(), version = version + 1
         WHERE id = $1 AND status = 'active' AND ($4::int IS NULL OR version = $4) RETURNING ${COLUMNS}`,
        [id, name, actorId, expectedVersion ?? null]);
      return rows[0] ? toStoredFile(rows[0]) : null;
    },
    async softDelete(tx, id, actorId) {
      const { rows } = await tx.query<FileRow>(
        `UPDATE files.files SET status = 'deleted', deleted_at = now(), updated_by = $2, updated_at = now(), version = version + 1
         WHERE id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
        [id, actorId]);
      return rows[0] ? toStoredFile(rows[0]) : null;
    },
    async recordDownload(db, id) {
      await db.query('UPDATE files.files SET download_count = download_count + 1, last_downloaded_at = now() WHERE id = $1', [id]);
    },
  };
}
