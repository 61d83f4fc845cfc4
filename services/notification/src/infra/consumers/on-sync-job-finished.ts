import { consumer, syncJobCompleted, syncJobFailed } from '@platform/shared/events';
import { formatCounts } from '../../domain/formatting.ts';
import { deliverNotice } from '../../usecases/deliver-notice.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { adminRecipients } from '../../usecases/resolve-recipient.ts';

/** sync.job.completed → a mail to the admin alert list. */
export const onSyncJobCompleted = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: syncJobCompleted,
    async handle(event, ctx) {
      const d = event.data;
      for (const recipient of adminRecipients(deps)) {
        await deliverNotice(deps, ctx, {
          eventId: event.id, eventType: event.type, template: 'sync_completed', category: 'sync', recipient, attempt: ctx.attempt,
          vars: { job_id: d.job_id, connection_id: d.connection_id, counts: formatCounts(d.counts) },
        });
      }
    },
  });

/**
 * sync.job.failed → a mail to the admin alert list and an ops alert. The alert goes after commit:
 * a redelivery of an event already handled (the inbox stops it) alerts nobody twice.
 */
export const onSyncJobFailed = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: syncJobFailed,
    async handle(event, ctx) {
      const d = event.data;
      for (const recipient of adminRecipients(deps)) {
        await deliverNotice(deps, ctx, {
          eventId: event.id, eventType: event.type, template: 'sync_failed', category: 'sync', recipient, attempt: ctx.attempt,
          vars: { job_id: d.job_id, connection_id: d.connection_id, error: d.error, counts: formatCounts(d.counts) },
        });
      }
      ctx.afterCommit(() => deps.alerter.alert(
        `:warning: Sync job ${d.job_id} (connection ${d.connection_id}) failed: ${d.error.slice(0, 500)}. Done before the failure: ${formatCounts(d.counts)}.`,
      ));
    },
  });
