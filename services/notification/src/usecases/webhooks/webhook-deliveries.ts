import type { Db } from '@platform/shared/db';
import type { WebhookDelivery } from '../../domain/webhook.ts';
import { webhookErrors } from '../../domain/webhook-errors.ts';
import { getWebhook, type WebhookOwner } from './manage-webhooks.ts';
import type { Page, WebhookDeliveryRepo, WebhookRepo } from './ports.ts';

export type WebhookDeliveriesDeps = { db: Db; webhooks: WebhookRepo; deliveries: WebhookDeliveryRepo };

/** The delivery log of one of the caller's webhooks, newest first. */
export async function listDeliveries(deps: WebhookDeliveriesDeps, owner: WebhookOwner, webhookId: string, page: Page & { status?: string }) {
  await getWebhook(deps, owner, webhookId);
  return deps.deliveries.listForWebhook(deps.db, webhookId, page);
}

/** Sends a delivery again (same webhook-id, so receivers can dedupe) with a fresh retry schedule. */
export async function redeliver(deps: WebhookDeliveriesDeps, owner: WebhookOwner, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
  const webhook = await getWebhook(deps, owner, webhookId);
  if (!webhook.enabled) throw webhookErrors.disabled();
  const delivery = await deps.deliveries.redeliver(deps.db, webhookId, deliveryId);
  if (!delivery) throw webhookErrors.deliveryNotFound(deliveryId);
  return delivery;
}
