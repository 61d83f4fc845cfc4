import type { Webhook } from '../domain/webhook.ts';
import type { WebhookScope } from '../domain/webhook-events.ts';
import type { WebhookRepo } from '../usecases/webhooks/ports.ts';

const COLUMNS = 'id, owner_id, scope, url, events, enabled, disabled_reason, consecutive_failures, created_at, updated_at';

type WebhookRow = {
  id: string; owner_id: string; scope: WebhookScope; url: string; events: string[]; enabled: boolean;
  disabled_reason: string | null; consecutive_failures: number; created_at: Date; updated_at: Date;
};

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  ownerId: r.owner_id,
  scope: r.scope,
  url: r.url,
  events: r.events,
  enabled: r.enabled,
  disabledReason: r.disabled_reason,
  consecutiveFailures: r.consecutive_failures,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** notifications.webhooks; the encrypted secret is written here and read only by the dispatcher's claim. */
export function createPgWebhookRepo(): WebhookRepo {
  return {
    async insert(db, w) {
      const { rows } = await db.query<WebhookRow>(
        `INSERT INTO notifications.webhooks (id, owner_id, scope, url, events, secret_encrypted)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [w.id, w.ownerId, w.scope, w.url, w.events, w.secretEncrypted]);
      return toWebhook(rows[0]!);
    },
    async countForOwner(db, ownerId) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM notifications.webhooks WHERE owner_id = $1 AND deleted_at IS NULL', [ownerId]);
      return rows[0]!.n;
    },
    async listForOwner(db, ownerId, { limit, offset }) {
      const { rows } = await db.query<WebhookRow & { total: number }>(
        `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM notifications.webhooks
         WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
        [ownerId, limit, offset]);
      const total = rows[0]?.total ?? (offset > 0 ? await this.countForOwner(db, ownerId) : 0);
      return { items: rows.map(toWebhook), total };
    },
    async findForOwner(db, ownerId, id) {
      const { rows } = await db.query<WebhookRow>(
        `SELECT ${COLUMNS} FROM notifications.webhooks WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`, [id, ownerId]);
      return rows[0] ? toWebhook(rows[0]) : null;
    },
    async update(db, ownerId, id, patch) {
      const { rows } = await db.query<WebhookRow>(
        `UPDATE notifications.webhooks SET
           url = COALESCE($3, url),
           events = COALESCE($4, events),
           enabled = COALESCE($5, enabled),
           consecutive_failures = CASE WHEN $5 IS TRUE AND NOT enabled THEN 0 ELSE consecutive_failures END,
           disabled_reason = CASE WHEN $5 IS TRUE THEN NULL WHEN $5 IS FALSE AND enabled THEN 'Disabled by its owner' ELSE disabled_reason END,
           updated_at = now()
         WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
        [id, ownerId, patch.url ?? null, patch.events ?? null, patch.enabled ?? null]);
      return rows[0] ? toWebhook(rows[0]) : null;
    },
    async remove(db, ownerId, id) {
      // Its deliveries stay as a log; the dispatcher only claims those of live, enabled webhooks.
      const { rowCount } = await db.query(
        `UPDATE notifications.webhooks SET deleted_at = now(), enabled = false, updated_at = now()
         WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`,
        [id, ownerId]);
      return (rowCount ?? 0) > 0;
    },
    async recordSuccess(db, id) {
      await db.query('UPDATE notifications.webhooks SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0', [id]);
    },
    async recordFailure(db, id, disableAfter, reason) {
      const { rows } = await db.query<WebhookRow & { just_disabled: boolean }>(
        `UPDATE notifications.webhooks w SET
           consecutive_failures = w.consecutive_failures + 1,
           enabled = w.enabled AND w.consecutive_failures + 1 < $2,
           disabled_reason = CASE WHEN w.enabled AND w.consecutive_failures + 1 >= $2 THEN $3 ELSE w.disabled_reason END,
           updated_at = now()
         FROM (SELECT enabled AS was_enabled FROM notifications.webhooks WHERE id = $1 FOR UPDATE) old
         WHERE w.id = $1
         RETURNING ${COLUMNS.split(', ').map((c) => `w.${c}`).join(', ')}, (old.was_enabled AND NOT w.enabled) AS just_disabled`,
        [id, disableAfter, reason]);
      const row = rows[0];
      return row?.just_disabled ? toWebhook(row) : null;
    },
  };
}
