import type { WebhookDelivery, WebhookDeliveryStatus } from '../domain/webhook.ts';
import type { ClaimedDelivery, WebhookDeliveryRepo } from '../usecases/webhooks/ports.ts';

// Status: pending (not tried yet), failed (last attempt failed, next one scheduled), succeeded, dead
// (retries used up). Due = pending or failed with next_attempt_at reached (webhook_deliveries_due_idx).
const COLUMNS = 'id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at';

type DeliveryRow = {
  id: string; webhook_id: string; event_id: string; event_type: string; payload: unknown; status: WebhookDeliveryStatus;
  attempts: number; next_attempt_at: Date; last_status_code: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null;
};

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' || r.status === 'failed' ? r.next_attempt_at : null,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

const clip = (s: string | null) => (s === null ? null : s.slice(0, 500));

export function createPgWebhookDeliveryRepo(): WebhookDeliveryRepo {
  return {
    async enqueue(db, e) {
      const { rowCount } = await db.query(
        `INSERT INTO notifications.webhook_deliveries (webhook_id, event_id, event_type, payload, traceparent)
         SELECT w.id, $1, $2, $3, $4 FROM notifications.webhooks w
         WHERE w.deleted_at IS NULL AND w.enabled AND $2 = ANY (w.events)
           AND (w.scope = 'platform' OR (w.owner_id = $5 AND NOT EXISTS (
             SELECT 1 FROM notifications.preferences p
             WHERE p.user_id = w.owner_id AND p.category = $6 AND p.channel = 'webhook' AND NOT p.enabled)))
         ON CONFLICT (webhook_id, event_id) DO NOTHING`,
        [e.eventId, e.eventType, JSON.stringify(e.payload), e.traceparent, e.subjectId, e.category]);
      return rowCount ?? 0;
    },
    async listForWebhook(db, webhookId, { limit, offset, status }) {
      const params: unknown[] = [webhookId, limit, offset];
      if (status) params.push(status);
      const where = `webhook_id = $1${status ? ' AND status = $4' : ''}`;
      const [page, count] = await Promise.all([
        db.query<DeliveryRow>(
          `SELECT ${COLUMNS} FROM notifications.webhook_deliveries WHERE ${where} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, params),
        db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM notifications.webhook_deliveries WHERE ${where.replace('$4', '$2')}`,
          status ? [webhookId, status] : [webhookId]),
      ]);
      return { items: page.rows.map(toDelivery), total: count.rows[0]!.n };
    },
    async redeliver(db, webhookId, id) {
      const { rows } = await db.query<DeliveryRow>(
        `UPDATE notifications.webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
         WHERE id = $1 AND webhook_id = $2 RETURNING ${COLUMNS}`, [id, webhookId]);
      return rows[0] ? toDelivery(rows[0]) : null;
    },
    async claimDue(db, limit, leaseMs) {
      const { rows } = await db.query<{
        id: string; webhook_id: string; owner_id: string; url: string; secret_encrypted: string; event_type: string;
        payload: unknown; attempts: number; traceparent: string | null;
      }>(
        `WITH due AS (
           SELECT d.id FROM notifications.webhook_deliveries d
           JOIN notifications.webhooks w ON w.id = d.webhook_id AND w.enabled AND w.deleted_at IS NULL
           WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= now()
           ORDER BY d.next_attempt_at
           LIMIT $1
           FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE notifications.webhook_deliveries d
           SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         FROM due, notifications.webhooks w
         WHERE d.id = due.id AND w.id = d.webhook_id
         RETURNING d.id, d.webhook_id, w.owner_id, w.url, w.secret_encrypted, d.event_type, d.payload, d.attempts, d.traceparent`,
        [limit, leaseMs / 1000]);
      return rows.map((r): ClaimedDelivery => ({
        id: r.id, webhookId: r.webhook_id, ownerId: r.owner_id, url: r.url, secretEncrypted: r.secret_encrypted,
        eventType: r.event_type, payload: r.payload, attempts: r.attempts, traceparent: r.traceparent,
      }));
    },
    async markSucceeded(db, id, { statusCode }) {
      await db.query(
        `UPDATE notifications.webhook_deliveries SET status = 'succeeded', last_status_code = $2, last_error = NULL, delivered_at = now()
         WHERE id = $1`, [id, statusCode]);
    },
    async markFailed(db, id, { statusCode, error }, nextAttemptAt) {
      await db.query(
        `UPDATE notifications.webhook_deliveries
         SET status = CASE WHEN $4::timestamptz IS NULL THEN 'dead' ELSE 'failed' END,
             next_attempt_at = COALESCE($4, next_attempt_at), last_status_code = $2, last_error = $3
         WHERE id = $1`, [id, statusCode, clip(error), nextAttemptAt]);
    },
  };
}
