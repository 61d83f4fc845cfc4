import type { Db } from '@platform/shared/db';
import type { EventEnvelope } from '@platform/shared/events';
import { eventCategory, eventSubject } from '../../domain/webhook-events.ts';
import type { WebhookDeliveryRepo } from './ports.ts';

/**
 * Fan-out of one catalog event: a pending delivery for every enabled webhook subscribed to its type
 * (platform webhooks, and the user-scope webhooks of the user it is about, unless that user turned
 * the webhook channel off for its category). Runs in the consumer's transaction, so the deliveries
 * exist if and only if the event counts as processed; a redelivered event adds none.
 * The body follows Standard Webhooks: {type, timestamp, data}, plus the event id.
 */
export async function enqueueWebhookDeliveries(
  deps: { deliveries: WebhookDeliveryRepo },
  tx: Db,
  envelope: EventEnvelope,
  traceparent: string | null,
): Promise<number> {
  const category = eventCategory(envelope.type);
  if (!category) return 0;
  const data = envelope.data as Record<string, unknown>;
  return deps.deliveries.enqueue(tx, {
    eventId: envelope.id,
    eventType: envelope.type,
    payload: { type: envelope.type, timestamp: envelope.occurred_at, event_id: envelope.id, data },
    subjectId: eventSubject(envelope.type, data),
    category,
    traceparent,
  });
}
