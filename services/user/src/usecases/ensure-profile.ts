import { userCreated } from '@platform/shared/events';
import type { User } from '../domain/user.ts';
import type { UserDeps } from './deps.ts';
import type { Db, NewUser } from './ports.ts';

export const EVENT_SOURCE = 'user';

/**
 * Inserts a profile unless it exists and, when this call created it, writes user.created to the
 * outbox in the same transaction. Returns the new row, or null when it was already there (an event
 * redelivered, or the lazy path and the consumer racing).
 */
export async function insertProfile(deps: Pick<UserDeps, 'users' | 'outbox'>, tx: Db, user: NewUser): Promise<User | null> {
  const created = await deps.users.insertIfAbsent(tx, user);
  if (!created) return null;
  await deps.outbox.add(tx, userCreated.create(
    { user_id: created.id, email: created.email, display_name: created.displayName, role: created.role, created_by: created.createdBy },
    { source: EVENT_SOURCE, subject: created.id },
  ));
  return created;
}

/**
 * A signed-in user's own profile, created on the spot from auth's identity when the
 * user.registered event has not been consumed yet. null when auth does not know the account either.
 */
export async function ensureOwnProfile(deps: Pick<UserDeps, 'users' | 'outbox' | 'runInTx' | 'identities' | 'db'>, userId: string): Promise<User | null> {
  const existing = await deps.users.findById(deps.db, userId);
  if (existing) return existing;
  const identity = await deps.identities.getIdentity(userId);
  if (!identity) return null;
  const created = await deps.runInTx((tx) => insertProfile(deps, tx, {
    id: identity.id,
    email: identity.email,
    displayName: identity.displayName,
    role: identity.role,
    status: identity.status,
    createdBy: null,
  }));
  // null: the consumer (or a concurrent request) inserted it meanwhile; read what won.
  return created ?? deps.users.findById(deps.db, userId);
}
