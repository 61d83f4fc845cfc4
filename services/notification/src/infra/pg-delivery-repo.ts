import type { DeliveryRepo } from '../usecases/ports.ts';

export function createPgDeliveryRepo(): DeliveryRepo {
  return {
    async claim(tx, key, locale) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO notifications.deliveries (event_id, channel, template, recipient_id, locale)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, channel, template, recipient_id) DO NOTHING RETURNING id`,
        [key.eventId, key.channel, key.template, key.recipientId, locale],
      );
      return rows[0]?.id ?? null;
    },
    async markSent(tx, id, attempts, messageId) {
      await tx.query(
        `UPDATE notifications.deliveries SET status = 'sent', attempts = $2, message_id = $3, sent_at = now(), last_error = NULL WHERE id = $1`,
        [id, attempts, messageId],
      );
    },
    async markSkipped(tx, id, reason) {
      await tx.query(`UPDATE notifications.deliveries SET status = 'skipped', last_error = $2 WHERE id = $1`, [id, reason]);
    },
    async markFailed(tx, id, attempts, error) {
      await tx.query(`UPDATE notifications.deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1`, [id, attempts, error.slice(0, 2_000)]);
    },
    async deleteForRecipient(tx, recipientId) {
      const { rowCount } = await tx.query('DELETE FROM notifications.deliveries WHERE recipient_id = $1', [recipientId]);
      return rowCount ?? 0;
    },
  };
}
