import type { FileLink, LinkRepo } from '../usecases/signed-links.ts';

type LinkRow = { id: string; file_id: string; created_by: string; expires_at: Date; revoked_at: Date | null; created_at: Date };

const COLUMNS = 'id, file_id, created_by, expires_at, revoked_at, created_at';

const toLink = (r: LinkRow): FileLink => ({
  id: r.id, fileId: r.file_id, createdBy: r.created_by, expiresAt: r.expires_at, revokedAt: r.revoked_at, createdAt: r.created_at,
});

// Ids come from URLs: a malformed one simply matches nothing (no 22P02 from a uuid cast).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPgLinkRepo(): LinkRepo {
  return {
    async findFile(db, fileId) {
      if (!UUID.test(fileId)) return null;
      const { rows } = await db.query<{ id: string; owner_id: string; deleted_at: Date | null }>(
        'SELECT id, owner_id, deleted_at FROM files.files WHERE id = $1', [fileId]);
      const r = rows[0];
      return r ? { id: r.id, ownerId: r.owner_id, active: r.deleted_at === null } : null;
    },
    async insert(db, l) {
      await db.query('INSERT INTO files.links (id, file_id, created_by, expires_at, revoked_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [l.id, l.fileId, l.createdBy, l.expiresAt, l.revokedAt, l.createdAt]);
    },
    async list(db, fileId, { limit, offset }) {
      const { rows } = await db.query<LinkRow & { total: string }>(
        `SELECT ${COLUMNS}, count(*) OVER () AS total FROM files.links WHERE file_id = $1
         ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, [fileId, limit, offset]);
      const total = rows[0] ? Number(rows[0].total) : offset === 0 ? 0
        : Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM files.links WHERE file_id = $1', [fileId])).rows[0]?.n ?? 0);
      return { items: rows.map(toLink), total };
    },
    async find(db, fileId, linkId) {
      if (!UUID.test(fileId) || !UUID.test(linkId)) return null;
      const { rows } = await db.query<LinkRow>(`SELECT ${COLUMNS} FROM files.links WHERE id = $1 AND file_id = $2`, [linkId, fileId]);
      return rows[0] ? toLink(rows[0]) : null;
    },
    async revoke(db, fileId, linkId, at) {
      if (!UUID.test(fileId) || !UUID.test(linkId)) return null;
      // Revoking twice keeps the first time (and still answers 204).
      const { rows } = await db.query<LinkRow>(
        `UPDATE files.links SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND file_id = $2 RETURNING ${COLUMNS}`,
        [linkId, fileId, at]);
      return rows[0] ? toLink(rows[0]) : null;
    },
  };
}
