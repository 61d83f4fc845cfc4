import { fromPgError } from '@platform/shared/errors';
import type { Connection, ProviderName } from '../domain/connection.ts';
import { syncErrors } from '../domain/sync-errors.ts';
import type { ConnectionRepo } from '../usecases/ports.ts';

const COLUMNS = `id, name, provider, settings, secret_keys, schedule, enabled, cursor, last_full_run_at,
  created_at, updated_at, created_by, updated_by, version`;

type Row = {
  id: string; name: string; provider: ProviderName; settings: Record<string, unknown>; secret_keys: string[];
  schedule: string | null; enabled: boolean; cursor: string | null; last_full_run_at: Date | null;
  created_at: Date; updated_at: Date; created_by: string | null; updated_by: string | null; version: number;
};

const toConnection = (r: Row): Connection => ({
  id: r.id, name: r.name, provider: r.provider, settings: r.settings, secretKeys: r.secret_keys, schedule: r.schedule,
  enabled: r.enabled, cursor: r.cursor, lastFullRunAt: r.last_full_run_at, createdAt: r.created_at, updatedAt: r.updated_at,
  createdBy: r.created_by, updatedBy: r.updated_by, version: r.version,
});

function mapWriteError(err: unknown): unknown {
  if ((err as { constraint?: string }).constraint === 'connections_name_key') return syncErrors.nameTaken();
  return fromPgError(err, 'connection');
}

export function createPgConnectionRepo(): ConnectionRepo {
  return {
    async create(tx, c) {
      try {
        const { rows } = await tx.query<Row>(
          `INSERT INTO sync.connections (name, provider, settings, secrets_encrypted, secret_keys, schedule, enabled, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${COLUMNS}`,
          [c.name, c.provider, c.settings, c.secretsEncrypted, c.secretKeys, c.schedule, c.enabled, c.actorId]);
        return toConnection(rows[0]!);
      } catch (err) { throw mapWriteError(err); }
    },
    async findById(db, id) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sync.connections WHERE id = $1 AND deleted_at IS NULL`, [id]);
      return rows[0] ? toConnection(rows[0]) : null;
    },
    async findSecrets(db, id) {
      const { rows } = await db.query<{ s: string | null }>('SELECT secrets_encrypted AS s FROM sync.connections WHERE id = $1', [id]);
      return rows[0]?.s ?? null;
    },
    async list(db, { limit, offset }) {
      const { rows } = await db.query<Row & { total: string }>(
        `SELECT ${COLUMNS}, count(*) OVER () AS total FROM sync.connections WHERE deleted_at IS NULL
         ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`, [limit, offset]);
      let total = rows[0] ? Number(rows[0].total) : 0;
      if (!rows[0] && offset > 0) {
        total = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM sync.connections WHERE deleted_at IS NULL')).rows[0]!.n);
      }
      return { items: rows.map(toConnection), total };
    },
    async update(tx, id, patch, { actorId, expectedVersion }) {
      const sets: string[] = [];
      const values: unknown[] = [id];
      const set = (column: string, value: unknown) => { values.push(value); sets.push(`${column} = $${values.length}`); };
      if (patch.name !== undefined) set('name', patch.name);
      if (patch.settings !== undefined) set('settings', patch.settings);
      if (patch.secretsEncrypted !== undefined) set('secrets_encrypted', patch.secretsEncrypted);
      if (patch.secretKeys !== undefined) set('secret_keys', patch.secretKeys);
      if (patch.schedule !== undefined) set('schedule', patch.schedule);
      if (patch.enabled !== undefined) set('enabled', patch.enabled);
      set('updated_by', actorId);
      let where = 'id = $1 AND deleted_at IS NULL';
      if (expectedVersion !== undefined) { values.push(expectedVersion); where += ` AND version = $${values.length}`; }
      try {
        const { rows } = await tx.query<Row>(
          `UPDATE sync.connections SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE ${where} RETURNING ${COLUMNS}`, values);
        return rows[0] ? toConnection(rows[0]) : null;
      } catch (err) { throw mapWriteError(err); }
    },
    async softDelete(tx, id, actorId) {
      // The secrets go at once: a deleted connection must not keep credentials around.
      const { rowCount } = await tx.query(
        `UPDATE sync.connections SET deleted_at = now(), updated_at = now(), updated_by = $2, enabled = false,
           secrets_encrypted = NULL, secret_keys = '{}', version = version + 1
         WHERE id = $1 AND deleted_at IS NULL`, [id, actorId]);
      return (rowCount ?? 0) > 0;
    },
    async listScheduled(db) {
      const { rows } = await db.query<{ id: string; schedule: string; version: number }>(
        'SELECT id, schedule, version FROM sync.connections WHERE schedule IS NOT NULL AND enabled AND deleted_at IS NULL');
      return rows;
    },
    async saveCursor(tx, id, cursor) {
      await tx.query('UPDATE sync.connections SET cursor = $2 WHERE id = $1', [id, cursor]);
    },
    async markFullRun(tx, id, at) {
      await tx.query('UPDATE sync.connections SET last_full_run_at = $2 WHERE id = $1', [id, at]);
    },
  };
}
