import { consumer, userDataErased, userDeleted, type Outbox } from '@platform/shared/events';
import { eraseUserFiles, type EraseDeps } from '../../usecases/erase-user-files.ts';

export const USER_ERASURE_QUEUE = 'file.user-erasure';

/**
 * user.deleted → the user's files, bytes, uploads and quota are erased, then user.data_erased
 * {service: 'file'} goes out in the same transaction (the inbox makes a redelivery a no-op).
 */
export const onUserDeleted = (deps: EraseDeps & { outbox: Outbox }, { queue = USER_ERASURE_QUEUE }: { queue?: string } = {}) =>
  consumer({
    queue,
    event: userDeleted,
    async handle(event, ctx) {
      const userId = event.data.user_id;
      const result = await eraseUserFiles(deps, ctx.tx, userId);
      await deps.outbox.add(ctx.tx, userDataErased.create(
        { user_id: userId, service: 'file', erased_at: deps.now().toISOString() },
        { source: 'file', subject: userId },
      ));
      ctx.logger.info('user files erased', { files: result.files, objects: result.bytesObjects, uploads: result.uploads });
    },
  });
