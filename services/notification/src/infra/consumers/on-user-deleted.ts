import { consumer, userDeleted } from '@platform/shared/events';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { eraseUserData } from '../../usecases/erase-user-data.ts';

/** user.deleted → erase the user's inbox, preferences, webhooks and mail log; then user.data_erased. */
export const onUserDeleted = (deps: NotificationDeps, queue: string) =>
  consumer({
    queue,
    event: userDeleted,
    async handle(event, ctx) {
      await eraseUserData(deps, ctx, event.data.user_id);
    },
  });

