import { authInvitationRequested, consumer } from '@platform/shared/events';
import { formatDateTime } from '../../domain/formatting.ts';
import { invitationLink } from '../../domain/links.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/** auth.invitation_requested (admin invite, sync import) → the invite mail with a set-password link. */
export const onInvitationRequested = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: authInvitationRequested,
    async handle(event, ctx) {
      const d = event.data;
      const recipient = await resolveRecipient(deps, { userId: d.user_id, email: d.email, displayName: d.display_name });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'invitation', category: 'account', recipient, attempt: ctx.attempt,
        vars: { link: invitationLink(deps.settings.publicAppUrl, d.token), expires_at: (l) => formatDateTime(d.expires_at, l, recipient.timeZone) },
        data: { source: d.source, expires_at: d.expires_at },
      });
    },
  });
