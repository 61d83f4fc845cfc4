import { authLoginLocked, consumer } from '@platform/shared/events';
import { formatDateTime } from '../../domain/formatting.ts';
import { forgotPasswordLink } from '../../domain/links.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/**
 * auth.login_locked → a security alert to the account's owner. Without an account (user_id null)
 * nothing is sent: mailing an address someone typed would let anyone send us spam.
 */
export const onLoginLocked = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: authLoginLocked,
    async handle(event, ctx) {
      const d = event.data;
      if (!d.user_id) return;
      const recipient = await resolveRecipient(deps, { userId: d.user_id, email: d.email });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'login_locked', category: 'security', recipient, attempt: ctx.attempt,
        vars: {
          ip: d.ip,
          failures: String(d.failures),
          locked_until: (l) => formatDateTime(d.locked_until, l, recipient.timeZone),
          reset_link: forgotPasswordLink(deps.settings.publicAppUrl),
        },
        data: { ip: d.ip, failures: d.failures, locked_until: d.locked_until },
      });
    },
  });
