import type { OneTimeToken } from '../domain/one-time-token.ts';
import type { OneTimeTokenRepo } from '../usecases/ports.ts';

type Row = {
  id: string; user_id: string; purpose: OneTimeToken['purpose']; created_at: Date; expires_at: Date;
  used_at: Date | null; invalidated_at: Date | null;
};
const toToken = (r: Row): OneTimeToken => ({
  id: r.id, userId: r.user_id, purpose: r.purpose, createdAt: r.created_at, expiresAt: r.expires_at, usedAt: r.used_at, invalidatedAt: r.invalidated_at,
});

export function createPgOneTimeTokenRepo(): OneTimeTokenRepo {
  return {
    async create(tx, t) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO auth.one_time_tokens (user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [t.userId, t.purpose, t.tokenHash, t.expiresAt]);
      return rows[0]!;
    },
    async createMany(tx, { purpose, expiresAt, tokens }) {
      if (tokens.length === 0) return;
      await tx.query(
        `INSERT INTO auth.one_time_tokens (user_id, purpose, token_hash, expires_at)
           SELECT t.user_id, $3, t.token_hash, $4 FROM unnest($1::uuid[], $2::bytea[]) AS t(user_id, token_hash)`,
        [tokens.map((t) => t.userId), tokens.map((t) => t.tokenHash), purpose, expiresAt]);
    },
    async findByHashForUpdate(tx, tokenHash) {
      const { rows } = await tx.query<Row>(
        `SELECT id, user_id, purpose, created_at, expires_at, used_at, invalidated_at FROM auth.one_time_tokens WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash]);
      return rows[0] ? toToken(rows[0]) : null;
    },
    async markUsed(tx, id) {
      await tx.query(`UPDATE auth.one_time_tokens SET used_at = now() WHERE id = $1`, [id]);
    },
    async invalidateUnused(tx, userId, purposes) {
      const { rowCount } = await tx.query(
        `UPDATE auth.one_time_tokens SET invalidated_at = now()
          WHERE user_id = $1 AND purpose = ANY($2::text[]) AND used_at IS NULL AND invalidated_at IS NULL`,
        [userId, purposes]);
      return rowCount ?? 0;
    },
  };
}
