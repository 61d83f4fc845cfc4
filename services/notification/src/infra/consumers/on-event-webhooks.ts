import { consumer, eventCatalog, type ConsumerDef } from '@platform/shared/events';
import { currentTraceparent } from '@platform/shared/telemetry';
import { WEBHOOK_EVENTS } from '../../domain/webhook-events.ts';
import { enqueueWebhookDeliveries } from '../../usecases/webhooks/enqueue-webhook-deliveries.ts';
import type { WebhookDeliveryRepo } from '../../usecases/webhooks/ports.ts';

const headerText = (v: unknown): string | null => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null);

/**
 * Webhook fan-out: one consumer per catalog event webhooks can receive (the consumer kit binds a
 * queue to one event type), by queue id `webhooks.<type>` for createConsumers' `extra` (so the DLQ
 * routes know them too). Each turns the event into pending deliveries in its inbox transaction;
 * the deliveries keep the event's trace for their traceparent header. `onEnqueued` runs after the
 * commit when there is something to send (this process's dispatcher polls at once).
 */
export function webhookFanOutConsumers(
  deliveries: WebhookDeliveryRepo,
  { onEnqueued }: { onEnqueued?: () => void } = {},
): Record<string, (deps: unknown, queue: string) => ConsumerDef> {
  return Object.fromEntries(eventCatalog
    .filter((event) => WEBHOOK_EVENTS[event.type])
    .map((event) => [`webhooks.${event.type}`, (_deps: unknown, queue: string) => consumer({
      queue,
      event,
      async handle(envelope, ctx) {
        const traceparent = currentTraceparent() ?? headerText(ctx.headers.traceparent);
        const added = await enqueueWebhookDeliveries({ deliveries }, ctx.tx, envelope, traceparent);
        if (added > 0 && onEnqueued) ctx.afterCommit(onEnqueued);
      },
    })]));
}
