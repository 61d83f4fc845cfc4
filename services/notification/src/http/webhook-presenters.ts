import type { Webhook, WebhookDelivery } from '../domain/webhook.ts';

export const toWebhookJson = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  scope: w.scope,
  enabled: w.enabled,
  disabled_reason: w.disabledReason,
  consecutive_failures: w.consecutiveFailures,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString(),
});

/** The one answer that carries the secret: the 201 of POST /webhooks. */
export const toCreatedWebhookJson = (w: Webhook, secret: string) => ({ ...toWebhookJson(w), secret });

export const toDeliveryJson = (d: WebhookDelivery) => ({
  id: d.id,
  event_id: d.eventId,
  event_type: d.eventType,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  payload: d.payload,
  created_at: d.createdAt.toISOString(),
  delivered_at: d.deliveredAt?.toISOString() ?? null,
});
