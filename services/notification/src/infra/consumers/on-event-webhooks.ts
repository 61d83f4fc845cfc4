import { consumer, eventCatalog, type ConsumerDef } from '@platform/shared/events';
import { currentTraceparent } from '@platform/shared/telemetry';
import { WEBHOOK_EVENTS } from '../../domain/webhook-events.ts';
import { enqueueWebhookDeliveries } from '../../usecases/webhooks/enqueue-webhook-deliveries.ts';
import type { WebhookDeliveryRepo } from '../../usecases/webhooks/ports.ts';

const headerText = (v: unknown): string | null => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null);

/**
 * Webhook fan-out: one queue per catalog event webhooks can receive (`<prefix>.webhooks.<type>`;
 * the consumer kit binds a queue to one event type), each turning the event into pending deliveries
 * in its inbox transaction. The deliveries keep the event's trace for their traceparent header.
 */
export function webhookFanOutConsumers(deps: { deliveries: WebhookDeliveryRepo }, { queuePrefix }: { queuePrefix: string }): ConsumerDef[] {
  return eventCatalog
    .filter((event) => WEBHOOK_EVENTS[event.type])
    .map((event) => consumer({
      queue: `${queuePrefix}.webhooks.${event.type}`,
      event,
      async handle(envelope, ctx) {
        const traceparent = currentTraceparent() ?? headerText(ctx.headers.traceparent);
        await enqueueWebhookDeliveries(deps, ctx.tx, envelope, traceparent);
      },
    }));
}
