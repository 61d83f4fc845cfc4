import { userUpdated } from '@platform/shared/events';
import { canEditProfile, changedFields, isSelf, PROFILE_FIELD_NAMES, type ProfilePatch, type User, type Viewer } from '../domain/user.ts';
import { userErrors } from '../domain/user-errors.ts';
import type { UserSettings } from '../domain/settings.ts';
import type { UserDeps } from './deps.ts';
import { ensureOwnProfile, EVENT_SOURCE } from './ensure-profile.ts';
import type { Db } from './ports.ts';

type WriteDeps = Pick<UserDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'identities'>;

export type WriteOptions = {
  /** The version from If-Match; the write fails with 412 when the row is at another one. */
  expectedVersion?: number;
};

/**
 * The row a write may change, locked: 404 for anyone who may not see it, AUTH_003 for someone who
 * may see but not edit it, a banned caller may not edit, and a deleted user is not edited any more.
 */
async function lockEditable(deps: WriteDeps, tx: Db, viewer: Viewer, id: string, opts: WriteOptions): Promise<User> {
  const user = await deps.users.findByIdForUpdate(tx, id);
  if (!user || (user.status !== 'active' && !canEditProfile(viewer, id))) throw userErrors.notFound(id);
  if (!canEditProfile(viewer, id)) throw userErrors.notYours();
  if (user.status === 'deleted') throw isSelf(viewer, id) ? userErrors.notFound(id) : userErrors.deleted(id);
  if (user.status === 'banned' && isSelf(viewer, id)) throw userErrors.banned();
  if (opts.expectedVersion !== undefined && opts.expectedVersion !== user.version) throw userErrors.staleVersion(user.version);
  return user;
}

async function prepare(deps: WriteDeps, viewer: Viewer, id: string): Promise<void> {
  // The caller's own profile may not exist yet (user.registered still in flight): create it first.
  if (isSelf(viewer, id) && viewer.role !== 'service') await ensureOwnProfile(deps, id);
}

/**
 * PUT/PATCH of profile fields by the user or an admin. Writes nothing (and publishes nothing) when
 * no value changes; otherwise bumps the version and publishes user.updated with the changed fields.
 */
export async function updateProfile(deps: WriteDeps, viewer: Viewer, id: string, patch: ProfilePatch, opts: WriteOptions = {}): Promise<User> {
  await prepare(deps, viewer, id);
  const updated = await deps.runInTx(async (tx) => {
    const user = await lockEditable(deps, tx, viewer, id, opts);
    const changed = changedFields(user, patch);
    if (changed.length === 0) return user;
    const next = await deps.users.updateProfile(tx, id, Object.fromEntries(changed.map((k) => [k, patch[k]])), { actorId: viewer.id });
    await deps.outbox.add(tx, userUpdated.create(
      { user_id: id, changed: changed.map((k) => PROFILE_FIELD_NAMES[k]) },
      { source: EVENT_SOURCE, subject: id },
    ));
    return next;
  });
  await deps.cache.set(updated);
  return updated;
}

/** PUT /profile/settings: replaces the stored settings (validated by the settings schema). */
export async function replaceSettings(deps: WriteDeps, viewer: Viewer, settings: UserSettings, opts: WriteOptions = {}): Promise<User> {
  const id = viewer.id;
  await prepare(deps, viewer, id);
  const updated = await deps.runInTx(async (tx) => {
    const user = await lockEditable(deps, tx, viewer, id, opts);
    if (JSON.stringify(sortKeys(user.settings)) === JSON.stringify(sortKeys(settings))) return user;
    const next = await deps.users.replaceSettings(tx, id, settings, { actorId: viewer.id });
    await deps.outbox.add(tx, userUpdated.create({ user_id: id, changed: ['settings'] }, { source: EVENT_SOURCE, subject: id }));
    return next;
  });
  await deps.cache.set(updated);
  return updated;
}

const sortKeys = (o: object) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
