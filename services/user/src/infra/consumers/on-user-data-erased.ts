import { consumer, userDataErased } from '@platform/shared/events';
import type { AdminDeps } from '../../usecases/admin/admin-deps.ts';
import { recordErasure } from '../../usecases/admin/delete-user.ts';

/** The delete saga's progress: each service's user.data_erased removes it from the waiting list. */
export const onUserDataErased = (deps: Pick<AdminDeps, 'deletions' | 'logger'>, queue = 'user.deletion-saga') =>
  consumer({
    queue,
    event: userDataErased,
    async handle(event, { tx }) {
      await recordErasure(deps, tx, { userId: event.data.user_id, service: event.data.service, erasedAt: event.data.erased_at });
    },
  });
