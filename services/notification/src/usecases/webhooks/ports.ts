import type { Db } from '@platform/shared/db';
import type { Category } from '../../domain/categories.ts';
import type { Webhook, WebhookDelivery } from '../../domain/webhook.ts';
import type { WebhookScope } from '../../domain/webhook-events.ts';

export type Page = { limit: number; offset: number };

export type NewWebhook = { id: string; ownerId: string; scope: WebhookScope; url: string; events: string[]; secretEncrypted: string };
export type WebhookPatch = { url?: string; events?: string[]; enabled?: boolean };

export type WebhookRepo = {
  insert(db: Db, webhook: NewWebhook): Promise<Webhook>;
  countForOwner(db: Db, ownerId: string): Promise<number>;
  listForOwner(db: Db, ownerId: string, page: Page): Promise<{ items: Webhook[]; total: number }>;
  findForOwner(db: Db, ownerId: string, id: string): Promise<Webhook | null>;
  /** Enabling clears the failure count and the reason it was disabled. */
  update(db: Db, ownerId: string, id: string, patch: WebhookPatch): Promise<Webhook | null>;
  /** Soft delete; its deliveries are never attempted again. */
  remove(db: Db, ownerId: string, id: string): Promise<boolean>;
  recordSuccess(db: Db, id: string): Promise<void>;
  /** Counts a failed attempt; disables the webhook when the count reaches `disableAfter`. Returns it when this call disabled it. */
  recordFailure(db: Db, id: string, disableAfter: number, reason: string): Promise<Webhook | null>;
};

/** A catalog event as the fan-out sees it. */
export type FanOutEvent = {
  eventId: string;
  eventType: string;
  payload: unknown;
  /** The user the event is about (null: platform webhooks only). */
  subjectId: string | null;
  category: Category;
  traceparent: string | null;
};

/** A due delivery claimed by a dispatcher, with what it needs to send it. */
export type ClaimedDelivery = {
  id: string;
  webhookId: string;
  ownerId: string;
  url: string;
  secretEncrypted: string;
  eventType: string;
  payload: unknown;
  attempts: number;
  traceparent: string | null;
};

export type AttemptOutcome = { statusCode: number | null; error: string | null };

export type WebhookDeliveryRepo = {
  /** One pending delivery per matching enabled webhook; a redelivered event adds none. Returns how many. */
  enqueue(db: Db, event: FanOutEvent): Promise<number>;
  listForWebhook(db: Db, webhookId: string, page: Page & { status?: string }): Promise<{ items: WebhookDelivery[]; total: number }>;
  /** Schedules it again now with a fresh retry schedule; null if there is no such delivery. */
  redeliver(db: Db, webhookId: string, id: string): Promise<WebhookDelivery | null>;
  /**
   * Claims up to `limit` due deliveries of enabled webhooks (FOR UPDATE SKIP LOCKED, so several
   * dispatchers never take the same one): counts the attempt and pushes next_attempt_at out by
   * `leaseMs`, so a delivery whose dispatcher died is retried after the lease.
   */
  claimDue(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  markSucceeded(db: Db, id: string, outcome: AttemptOutcome): Promise<void>;
  /** nextAttemptAt null: no retries left (dead). */
  markFailed(db: Db, id: string, outcome: AttemptOutcome, nextAttemptAt: Date | null): Promise<void>;
};

export type SignedRequest = { url: string; body: string; headers: Record<string, string>; timeoutMs: number; traceparent: string | null };

export type WebhookSender = { send(request: SignedRequest): Promise<AttemptOutcome & { ok: boolean }> };

/** Tells a webhook's owner it was disabled (in-app notification and whatever else wiring adds). */
export type WebhookOwnerNotifier = { webhookDisabled(webhook: Webhook): Promise<void> };

/** Encrypts secrets at rest, bound to the row id. */
export type SecretBox = { seal(plaintext: string, boundTo: string): string; open(sealed: string, boundTo: string): string };

/** The SSRF guard: throws WebhookTargetError for a URL webhooks must not call. */
export type UrlChecker = { check(url: string): Promise<void> };
