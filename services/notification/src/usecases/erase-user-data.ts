import { userDataErased } from '@platform/shared/events';
import type { NotificationDeps } from './deps.ts';
import type { TxScope } from './ports.ts';

type Deps = Pick<NotificationDeps, 'notifications' | 'preferences' | 'webhookEraser' | 'deliveries' | 'outbox' | 'now' | 'logger'>;

/**
 * This service's step of the delete saga: everything held for the user goes, and user.data_erased
 * {service: 'notification'} is written in the same transaction, so it is published only once the
 * erasure committed. Running it again erases nothing more and confirms again (harmless).
 */
export async function eraseUserData(deps: Deps, { tx }: TxScope, userId: string): Promise<void> {
  const counts = {
    notifications: await deps.notifications.deleteForUser(tx, userId),
    preferences: await deps.preferences.deleteForUser(tx, userId),
    webhooks: await deps.webhookEraser.deleteForOwner(tx, userId),
    deliveries: await deps.deliveries.deleteForRecipient(tx, userId),
  };
  await deps.outbox.add(tx, userDataErased.create(
    { user_id: userId, service: 'notification', erased_at: deps.now().toISOString() },
    { source: 'notification', subject: userId },
  ));
  deps.logger.info('user data erased', { user_id: userId, ...counts });
}
