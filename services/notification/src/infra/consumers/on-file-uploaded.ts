import { consumer, fileUploaded } from '@platform/shared/events';
import { formatBytes } from '../../domain/formatting.ts';
import { filesLink } from '../../domain/links.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { resolveRecipient } from '../../usecases/resolve-recipient.ts';

/** file.uploaded with large: true → "your upload is complete" to the owner; small uploads need no notice. */
export const onFileUploaded = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: fileUploaded,
    async handle(event, ctx) {
      const d = event.data;
      if (!d.large) return;
      const recipient = await resolveRecipient(deps, { userId: d.owner_id });
      if (!recipient) return;
      await deliverNotice(deps, ctx, {
        eventId: event.id, eventType: event.type, template: 'large_upload', category: 'files', recipient, attempt: ctx.attempt,
        vars: { file_name: d.name, size: (l) => formatBytes(d.size, l), file_link: filesLink(deps.settings.publicAppUrl) },
        data: { file_id: d.file_id, name: d.name, size: d.size, content_type: d.content_type },
      });
    },
  });
