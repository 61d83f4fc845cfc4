import type { PreferenceChoice } from '../domain/preferences.ts';
import type { PreferenceRepo } from '../usecases/ports.ts';

export function createPgPreferenceRepo(): PreferenceRepo {
  return {
    async list(db, userId) {
      const { rows } = await db.query<PreferenceChoice>(
        'SELECT category, channel, enabled FROM notifications.preferences WHERE user_id = $1 ORDER BY category, channel', [userId]);
      return rows;
    },
    async upsert(tx, userId, choices) {
      if (choices.length === 0) return;
      await tx.query(
        `INSERT INTO notifications.preferences (user_id, category, channel, enabled)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::boolean[])
         ON CONFLICT (user_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()
         WHERE preferences.enabled IS DISTINCT FROM EXCLUDED.enabled`,
        [userId, choices.map((c) => c.category), choices.map((c) => c.channel), choices.map((c) => c.enabled)],
      );
    },
    async deleteForUser(tx, userId) {
      const { rowCount } = await tx.query('DELETE FROM notifications.preferences WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },
  };
}
