import type { WebhookEraser } from '../usecases/ports.ts';

/** Erasure of a deleted user's webhooks; their deliveries go with them (ON DELETE CASCADE). */
export function createPgWebhookEraser(): WebhookEraser {
  return {
    async deleteForOwner(tx, ownerId) {
      const { rowCount } = await tx.query('DELETE FROM notifications.webhooks WHERE owner_id = $1', [ownerId]);
      return rowCount ?? 0;
    },
  };
}
