import type { RefreshToken, Session } from '../domain/session.ts';
import type { SessionRepo } from '../usecases/ports.ts';

const SESSION_COLUMNS = 's.id, s.user_id, host(s.ip) AS ip, s.user_agent, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.revoke_reason';

type SessionRow = {
  id: string; user_id: string; ip: string | null; user_agent: string | null; created_at: Date; last_used_at: Date;
  expires_at: Date; revoked_at: Date | null; revoke_reason: string | null;
};
type TokenRow = { rt_id: string; rt_session_id: string; rt_created_at: Date; rt_used_at: Date | null; rt_replaced_by: string | null };

const toSession = (r: SessionRow): Session => ({
  id: r.id, userId: r.user_id, ip: r.ip, userAgent: r.user_agent, createdAt: r.created_at, lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at, revokedAt: r.revoked_at, revokeReason: r.revoke_reason,
});
const toToken = (r: TokenRow): RefreshToken => ({
  id: r.rt_id, sessionId: r.rt_session_id, createdAt: r.rt_created_at, usedAt: r.rt_used_at, replacedBy: r.rt_replaced_by,
});

export function createPgSessionRepo(): SessionRepo {
  return {
    async create(tx, s) {
      const { rows } = await tx.query<SessionRow>(
        `INSERT INTO auth.sessions AS s (user_id, ip, user_agent, expires_at) VALUES ($1, $2, $3, $4) RETURNING ${SESSION_COLUMNS}`,
        [s.userId, s.ip, s.userAgent, s.expiresAt]);
      return toSession(rows[0]!);
    },
    async addRefreshToken(tx, sessionId, tokenHash) {
      const { rows } = await tx.query<TokenRow>(
        `INSERT INTO auth.refresh_tokens (session_id, token_hash) VALUES ($1, $2)
         RETURNING id AS rt_id, session_id AS rt_session_id, created_at AS rt_created_at, used_at AS rt_used_at, replaced_by AS rt_replaced_by`,
        [sessionId, tokenHash]);
      return toToken(rows[0]!);
    },
    async findByRefreshHashForUpdate(tx, tokenHash) {
      const { rows } = await tx.query<SessionRow & TokenRow>(
        `SELECT ${SESSION_COLUMNS}, rt.id AS rt_id, rt.session_id AS rt_session_id, rt.created_at AS rt_created_at,
                rt.used_at AS rt_used_at, rt.replaced_by AS rt_replaced_by
           FROM auth.refresh_tokens rt JOIN auth.sessions s ON s.id = rt.session_id
          WHERE rt.token_hash = $1
          FOR UPDATE OF rt, s`,
        [tokenHash]);
      const row = rows[0];
      return row ? { token: toToken(row), session: toSession(row) } : null;
    },
    async markRotated(tx, oldTokenId, newTokenId) {
      await tx.query(`UPDATE auth.refresh_tokens SET used_at = now(), replaced_by = $2 WHERE id = $1`, [oldTokenId, newTokenId]);
    },
    async touch(tx, sessionId, expiresAt) {
      await tx.query(`UPDATE auth.sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1`, [sessionId, expiresAt]);
    },
    async revoke(tx, sessionId, reason) {
      const { rowCount } = await tx.query(
        `UPDATE auth.sessions SET revoked_at = now(), revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL`, [sessionId, reason]);
      return rowCount === 1;
    },
    async revokeAllForUser(tx, userId, reason) {
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE auth.sessions SET revoked_at = now(), revoke_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [userId, reason]);
      return rows.map((r) => r.id);
    },
    async revokeAllForUserExcept(tx, userId, keepSessionId, reason) {
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE auth.sessions SET revoked_at = now(), revoke_reason = $3
          WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2 RETURNING id`,
        [userId, keepSessionId, reason]);
      return rows.map((r) => r.id);
    },
    async findActiveForUser(db, userId, sessionId) {
      const { rows } = await db.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM auth.sessions s
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()`,
        [sessionId, userId]);
      return rows[0] ? toSession(rows[0]) : null;
    },
    async listActiveForUser(db, userId, { limit, offset }) {
      const { rows } = await db.query<SessionRow & { total: string }>(
        `SELECT ${SESSION_COLUMNS}, count(*) OVER () AS total FROM auth.sessions s
          WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
          ORDER BY s.last_used_at DESC, s.id
          LIMIT $2 OFFSET $3`,
        [userId, limit, offset]);
      // count(*) OVER () is absent when the page is past the end; count separately then.
      const total = rows[0] ? Number(rows[0].total) : await countActive(db, userId);
      return { items: rows.map(toSession), total };
    },
  };
}

async function countActive(db: Parameters<SessionRepo['listActiveForUser']>[0], userId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()`, [userId]);
  return Number(rows[0]?.n ?? 0);
}
