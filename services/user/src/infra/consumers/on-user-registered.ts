import { consumer, userRegistered } from '@platform/shared/events';
import { insertProfile } from '../../usecases/ensure-profile.ts';
import type { UserDeps } from '../../usecases/deps.ts';

/**
 * auth's user.registered → the profile. Idempotent twice over: the inbox drops a redelivered event,
 * and the insert does nothing when the profile already exists (created lazily by a first request).
 */
export const onUserRegistered = (deps: Pick<UserDeps, 'users' | 'outbox'>) =>
  consumer({
    queue: 'user.profiles',
    event: userRegistered,
    async handle(event, { tx, logger }) {
      const { user_id: id, email, display_name: displayName, role } = event.data;
      const created = await insertProfile(deps, tx, { id, email, displayName, role: role === 'admin' ? 'admin' : 'user', createdBy: null });
      if (created) return;
      if (await deps.users.findById(tx, id)) {
        logger.debug('profile already exists', { user_id: id });
      } else {
        // auth keeps emails unique, so this means the mirror drifted (an email change not applied here yet).
        logger.warn('profile not created: its email belongs to another profile', { user_id: id });
      }
    },
  });
