import type { WebhookScope } from './webhook-events.ts';

/** A webhook subscription (its secret never leaves the repository except for signing). */
export type Webhook = {
  id: string;
  ownerId: string;
  scope: WebhookScope;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
};

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

/** One event for one webhook: the queue entry and its log. id is the webhook-id header. */
export type WebhookDelivery = {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
};

/** Most webhooks one user may have; keeps a single account from turning the dispatcher into a cannon. */
export const MAX_WEBHOOKS_PER_OWNER = 10;
