import { consumer, userRegistered } from '@platform/shared/events';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/** user.registered → the welcome mail. */
export const onUserRegistered = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: userRegistered,
    async handle(event, ctx) {
      const d = event.data;
      const recipient = await resolveRecipient(deps, { userId: d.user_id, email: d.email, displayName: d.display_name });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'welcome', category: 'account', recipient, attempt: ctx.attempt,
        vars: { app_url: deps.settings.publicAppUrl },
      });
    },
  });
