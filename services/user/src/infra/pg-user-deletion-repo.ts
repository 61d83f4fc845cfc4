import type { UserDeletion, UserDeletionRepo } from '../usecases/admin/deletion-port.ts';

type Row = {
  user_id: string; requested_by: string | null; requested_at: Date; waiting_for: string[];
  erased: Record<string, string>; completed_at: Date | null;
};

const COLUMNS = 'user_id, requested_by, requested_at, waiting_for, erased, completed_at';

const toDeletion = (r: Row): UserDeletion => ({
  userId: r.user_id, requestedBy: r.requested_by, requestedAt: r.requested_at, waitingFor: r.waiting_for,
  erased: r.erased, completedAt: r.completed_at,
});

export function createPgUserDeletionRepo(): UserDeletionRepo {
  return {
    async start(tx, { userId, requestedBy, waitingFor }) {
      // No service to wait for: the saga is complete as soon as it starts.
      const { rows } = await tx.query<Row>(
        `INSERT INTO users.user_deletions (user_id, requested_by, waiting_for, completed_at)
         VALUES ($1, $2, $3::text[], CASE WHEN cardinality($3::text[]) = 0 THEN now() END)
         ON CONFLICT (user_id) DO NOTHING RETURNING ${COLUMNS}`,
        [userId, requestedBy, [...waitingFor]]);
      return rows[0] ? toDeletion(rows[0]) : null;
    },
    async find(db, userId) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM users.user_deletions WHERE user_id = $1`, [userId]);
      return rows[0] ? toDeletion(rows[0]) : null;
    },
    async recordErasure(tx, { userId, service, erasedAt }) {
      // The first confirmation of a service wins (a replay keeps its time); completed_at is set once.
      const { rows } = await tx.query<Row>(
        `UPDATE users.user_deletions
            SET waiting_for = array_remove(waiting_for, $2),
                erased = CASE WHEN erased ? $2 THEN erased ELSE erased || jsonb_build_object($2::text, $3::text) END,
                completed_at = COALESCE(completed_at, CASE WHEN cardinality(array_remove(waiting_for, $2)) = 0 THEN now() END)
          WHERE user_id = $1 RETURNING ${COLUMNS}`,
        [userId, service, erasedAt]);
      return rows[0] ? toDeletion(rows[0]) : null;
    },
  };
}
