import { authPasswordResetRequested, consumer } from '@platform/shared/events';
import { formatDateTime } from '../../domain/formatting.ts';
import { resetPasswordLink } from '../../domain/links.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/** auth.password_reset_requested → the reset mail with the single-use link. */
export const onPasswordResetRequested = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: authPasswordResetRequested,
    async handle(event, ctx) {
      const d = event.data;
      const recipient = await resolveRecipient(deps, { userId: d.user_id, email: d.email, displayName: d.display_name });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'password_reset', category: 'security', recipient, attempt: ctx.attempt,
        vars: { link: resetPasswordLink(deps.settings.publicAppUrl, d.token), expires_at: (l) => formatDateTime(d.expires_at, l, recipient.timeZone) },
        data: { expires_at: d.expires_at },
      });
    },
  });
