import { randomUUID } from 'node:crypto';
import { RetryLaterError } from '../../domain/notification-errors.ts';
import type { Webhook } from '../../domain/webhook.ts';
import { deliverNotice } from '../deliver-notice.ts';
import type { NotificationDeps } from '../deps.ts';
import { notify } from '../notify.ts';
import { resolveRecipient } from '../resolve-recipient.ts';
import type { WebhookOwnerNotifier } from './ports.ts';

/**
 * Tells a webhook's owner it was disabled: a mail and an in-app notification (template
 * webhook_disabled). While the user service cannot say where to mail, the in-app one still goes out.
 */
export function createWebhookOwnerNotifier(deps: NotificationDeps): WebhookOwnerNotifier {
  return {
    async webhookDisabled(webhook: Webhook) {
      const eventId = randomUUID();
      const vars = { url: webhook.url, failures: String(webhook.consecutiveFailures) };
      const data = { webhook_id: webhook.id, url: webhook.url, failures: webhook.consecutiveFailures };
      let recipient = null;
      try {
        recipient = await resolveRecipient(deps, { userId: webhook.ownerId }, { allowBanned: true });
      } catch (err) {
        if (!(err instanceof RetryLaterError)) throw err;
      }
      await deps.runInScope(async (scope) => {
        if (recipient) {
          await deliverNotice(deps, scope, {
            eventId, eventType: 'webhook.disabled', template: 'webhook_disabled', category: 'account', recipient, vars, data, attempt: 1,
          });
          return;
        }
        const text = deps.templates.renderInApp('webhook_disabled', deps.settings.defaultLocale, { name: '', ...vars });
        await notify(deps, scope, {
          userId: webhook.ownerId, category: 'account', type: 'webhook_disabled', eventId, eventType: 'webhook.disabled', data,
          title: text?.title ?? 'A webhook was disabled', body: text?.body ?? `${webhook.url} failed too often and was disabled.`,
        });
      });
    },
  };
}
