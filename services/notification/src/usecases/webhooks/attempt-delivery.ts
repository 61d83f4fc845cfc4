import type { Db } from '@platform/shared/db';
import type { Logger } from '@platform/shared/logger';
import { retryDelayMs } from '../../domain/webhook-backoff.ts';
import { signWebhook } from '../../domain/webhook-signature.ts';
import type { ClaimedDelivery, SecretBox, WebhookDeliveryRepo, WebhookOwnerNotifier, WebhookRepo, WebhookSender } from './ports.ts';

export type AttemptDeps = {
  db: Db;
  webhooks: WebhookRepo;
  deliveries: WebhookDeliveryRepo;
  secrets: SecretBox;
  sender: WebhookSender;
  notifier: WebhookOwnerNotifier;
  settings: { timeoutMs: number; retryScheduleMs: readonly number[]; disableAfterFailures: number };
  now: () => Date;
  logger: Logger;
};

export type AttemptResult = 'succeeded' | 'retry' | 'dead';

/**
 * One attempt of a claimed delivery: sign (Standard Webhooks, with a fresh timestamp each time),
 * POST, and record the outcome. A failure schedules the next try with backoff and jitter, or marks
 * the delivery dead when the schedule is used up; enough failures in a row disable the webhook and
 * tell its owner.
 */
export async function attemptDelivery(deps: AttemptDeps, claimed: ClaimedDelivery): Promise<AttemptResult> {
  const body = JSON.stringify(claimed.payload);
  const timestampS = Math.floor(deps.now().getTime() / 1000);
  const secret = deps.secrets.open(claimed.secretEncrypted, claimed.webhookId);
  const result = await deps.sender.send({
    url: claimed.url,
    body,
    timeoutMs: deps.settings.timeoutMs,
    traceparent: claimed.traceparent,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'platform-webhooks/1',
      'webhook-id': claimed.id,
      'webhook-timestamp': String(timestampS),
      'webhook-signature': signWebhook(secret, claimed.id, timestampS, body),
      ...(claimed.traceparent && { traceparent: claimed.traceparent }),
    },
  });
  const outcome = { statusCode: result.statusCode, error: result.error };

  if (result.ok) {
    await deps.deliveries.markSucceeded(deps.db, claimed.id, outcome);
    await deps.webhooks.recordSuccess(deps.db, claimed.webhookId);
    return 'succeeded';
  }

  const delay = retryDelayMs(claimed.attempts, deps.settings.retryScheduleMs);
  const next = delay === null ? null : new Date(deps.now().getTime() + delay);
  await deps.deliveries.markFailed(deps.db, claimed.id, outcome, next);
  deps.logger.info('webhook delivery failed', {
    delivery_id: claimed.id, webhook_id: claimed.webhookId, attempt: claimed.attempts, status_code: result.statusCode,
    error: result.error, retry_in_ms: delay,
  });
  const reason = `Disabled after ${deps.settings.disableAfterFailures} failed deliveries in a row`;
  const disabled = await deps.webhooks.recordFailure(deps.db, claimed.webhookId, deps.settings.disableAfterFailures, reason);
  if (disabled) {
    deps.logger.warn('webhook disabled after repeated failures', { webhook_id: disabled.id, failures: disabled.consecutiveFailures });
    await deps.notifier.webhookDisabled(disabled).catch((err: unknown) => deps.logger.warn('could not notify the webhook owner', { webhook_id: disabled.id, err }));
  }
  return next ? 'retry' : 'dead';
}
