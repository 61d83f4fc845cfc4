import { isAppError } from '@platform/shared/errors';
import { userUnbanned } from '@platform/shared/events';
import { EVENT_SOURCE } from '../ensure-profile.ts';
import type { AdminDeps } from './admin-deps.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts' | 'accountStore' | 'now' | 'logger'>;

/**
 * Lifts the bans whose `until` has passed, like an admin's unban: auth first (status active), then
 * here with user.unbanned (unbanned_by null). Safe on several replicas at once: auth's PATCH is
 * idempotent and the local change re-checks the row under a lock, so one of them publishes. Stops the
 * round when auth is unavailable; the next round tries again. Returns how many bans it lifted.
 */
export async function liftExpiredBans(deps: Deps, batch = 100): Promise<number> {
  let lifted = 0;
  for (const id of await deps.accountStore.expiredBans(deps.db, deps.now(), batch)) {
    try {
      await deps.accounts.updateIdentity(id, { status: 'active' });
    } catch (err) {
      if (isAppError(err) && err.code === 'EXT_002') {
        deps.logger.warn('ban expiry paused: auth is unavailable', { pending: true });
        break;
      }
      // auth does not know the identity (404) or refuses: lift it here anyway, auth has nothing to lift.
      if (!(isAppError(err) && err.status < 500)) throw err;
    }
    const user = await deps.runInTx(async (tx) => {
      const current = await deps.users.findByIdForUpdate(tx, id);
      // Re-banned or unbanned meanwhile: nothing to do.
      if (!current || current.status !== 'banned' || !current.bannedUntil || current.bannedUntil > deps.now()) return null;
      const next = await deps.users.updateAccount(tx, id, { status: 'active', banReason: null, bannedUntil: null }, { actorId: null });
      await deps.outbox.add(tx, userUnbanned.create({ user_id: id, unbanned_by: null }, { source: EVENT_SOURCE, subject: id }));
      return next;
    });
    if (user) {
      await deps.cache.set(user);
      lifted++;
    }
  }
  if (lifted > 0) deps.logger.info('expired bans lifted', { count: lifted });
  return lifted;
}

/** Runs liftExpiredBans every `intervalMs` (one round at a time); stop() waits for a running round. */
export function startBanExpiry(deps: Deps, { intervalMs = 60_000 } = {}): { stop: () => Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = liftExpiredBans(deps)
      .catch((err) => deps.logger.warn('ban expiry round failed', { err }))
      .finally(() => { running = undefined; });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
