import { consumer, userBanned } from '@platform/shared/events';
import { formatUntil } from '../../domain/formatting.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/** user.banned → the ban notice (the address comes from the user service: it waits while that is down). */
export const onUserBanned = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: userBanned,
    async handle(event, ctx) {
      const d = event.data;
      const recipient = await resolveRecipient(deps, { userId: d.user_id }, { allowBanned: true });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'account_banned', category: 'security', recipient, attempt: ctx.attempt,
        vars: { reason: d.reason, until: (l) => formatUntil(d.until, l, recipient.timeZone) },
        data: { reason: d.reason, until: d.until },
      });
    },
  });
