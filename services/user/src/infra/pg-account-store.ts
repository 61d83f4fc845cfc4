import { fromPgError } from '@platform/shared/errors';
import type { AccountStore } from '../usecases/admin/account-store-port.ts';
import { toUser, USER_COLUMNS, type UserRow } from './pg-user-repo.ts';

export function createPgAccountStore(): AccountStore {
  return {
    async hasOtherActiveAdmin(db, id) {
      const { rows } = await db.query(`SELECT 1 FROM users.users WHERE status = 'active' AND role = 'admin' AND id <> $1 LIMIT 1`, [id]);
      return rows.length > 0;
    },
    async findByExternalIds(db, source, externalIds) {
      if (externalIds.length === 0) return [];
      const { rows } = await db.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users.users WHERE external_source = $1 AND external_id = ANY($2::text[])`, [source, externalIds]);
      return rows.map(toUser);
    },
    async findByEmails(db, emails) {
      if (emails.length === 0) return [];
      const { rows } = await db.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users.users WHERE lower(email) = ANY($1::text[])`, [emails.map((e) => e.toLowerCase())]);
      return rows.map(toUser);
    },
    async expiredBans(db, now, limit) {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM users.users WHERE status = 'banned' AND banned_until IS NOT NULL AND banned_until <= $1
          ORDER BY banned_until LIMIT $2`, [now, limit]);
      return rows.map((r) => r.id);
    },
    async setExternalKey(tx, id, { source, externalId }, meta) {
      try {
        const { rows } = await tx.query<UserRow>(
          `UPDATE users.users SET external_source = $2, external_id = $3, updated_by = $4, updated_at = now(), version = version + 1
            WHERE id = $1 RETURNING ${USER_COLUMNS}`, [id, source, externalId, meta.actorId]);
        if (!rows[0]) throw new Error(`user ${id} vanished while linking its external key`);
        return toUser(rows[0]);
      } catch (err) {
        throw fromPgError(err, 'external key');
      }
    },
    async deactivate(tx, id, { source, reason }, meta) {
      const { rows } = await tx.query<UserRow>(
        `UPDATE users.users SET status = 'banned', ban_reason = $3, banned_until = NULL, deactivated_by_source = $2,
                updated_by = $4, updated_at = now(), version = version + 1
          WHERE id = $1 RETURNING ${USER_COLUMNS}`, [id, source, reason, meta.actorId]);
      if (!rows[0]) throw new Error(`user ${id} vanished while deactivating it`);
      return toUser(rows[0]);
    },
    async deactivatedBy(db, source, ids) {
      if (ids.length === 0) return new Set();
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM users.users WHERE id = ANY($1::uuid[]) AND status = 'banned' AND deactivated_by_source = $2`, [ids, source]);
      return new Set(rows.map((r) => r.id));
    },
  };
}
