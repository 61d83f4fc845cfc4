import type { OneTimeTokenRepo } from '../usecases/ports.ts';

export function createPgOneTimeTokenRepo(): OneTimeTokenRepo {
  return {
    async create(tx, t) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO auth.one_time_tokens (user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [t.userId, t.purpose, t.tokenHash, t.expiresAt]);
      return rows[0]!;
    },
  };
}
