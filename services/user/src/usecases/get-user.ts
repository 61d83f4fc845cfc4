import { canReadFullRecord, isSelf, isVisibleTo, type User, type Viewer } from '../domain/user.ts';
import { userErrors } from '../domain/user-errors.ts';
import type { UserDeps } from './deps.ts';
import { ensureOwnProfile } from './ensure-profile.ts';

export type UserView = { user: User; full: boolean };

type ReadDeps = Pick<UserDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'identities'>;

/** One user through the Redis cache (cache-aside); the viewer's own profile is created on first use. */
export async function loadUser(deps: ReadDeps, viewer: Viewer, id: string): Promise<User | null> {
  const cached = await deps.cache.get(id);
  if (cached) return cached;
  const user = isSelf(viewer, id) && viewer.role !== 'service'
    ? await ensureOwnProfile(deps, id)
    : await deps.users.findById(deps.db, id);
  if (user) await deps.cache.set(user);
  return user;
}

/** GET /users/:id: 404 unless the viewer may see the user; `full` says which representation. */
export async function getUser(deps: ReadDeps, viewer: Viewer, id: string): Promise<UserView> {
  const user = await loadUser(deps, viewer, id);
  if (!user || !isVisibleTo(viewer, user)) throw userErrors.notFound(id);
  return { user, full: canReadFullRecord(viewer, id) };
}

/** GET /profile: the caller's own record (a soft-deleted account has none any more). */
export async function getOwnProfile(deps: ReadDeps, viewer: Viewer): Promise<User> {
  const user = await loadUser(deps, viewer, viewer.id);
  if (!user || user.status === 'deleted') throw userErrors.notFound(viewer.id);
  return user;
}
