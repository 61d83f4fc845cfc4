import { AppError, isAppError } from '@platform/shared/errors';
import { userDeleted } from '@platform/shared/events';
import { isAdmin, isSelf, type User, type Viewer } from '../../domain/user.ts';
import { userErrors } from '../../domain/user-errors.ts';
import { EVENT_SOURCE } from '../ensure-profile.ts';
import type { Db } from '../ports.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { UserDeletion } from './deletion-port.ts';
import { undoIdentityChange } from './undo-identity.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts' | 'accountStore' | 'deletions' | 'settings' | 'now' | 'logger'>;

export type DeleteOutcome = { user: User; deletion: UserDeletion | null; alreadyDeleted: boolean };

const notYours = () => new AppError('AUTH_003', 'You can only delete your own account');

/**
 * Starts the delete saga (DELETE /users/:id by the user or an admin, DELETE /admin/users/:id):
 * auth marks the identity deleted first, which ends every session at once (auth down → 503 and
 * nothing changed); then, in one transaction, the soft delete here, the saga record waiting for
 * every service in ERASURE_SERVICES, and user.deleted, which tells those services to erase.
 * A user already deleted: 404 for the user route, an idempotent no-op for the admin route.
 */
export async function deleteUser(deps: Deps, actor: Viewer, id: string, opts: { adminRoute: boolean }): Promise<DeleteOutcome> {
  if (!isSelf(actor, id) && !isAdmin(actor)) {
    // Someone who may not see the user learns nothing about whether it exists.
    const user = await deps.users.findById(deps.db, id);
    if (!user || user.status !== 'active') throw userErrors.notFound(id);
    throw notYours();
  }
  const user = await deps.users.findById(deps.db, id);
  if (!user) throw userErrors.notFound(id);
  if (user.status === 'deleted') {
    if (!opts.adminRoute) throw userErrors.notFound(id);
    return { user, deletion: await deps.deletions.find(deps.db, id), alreadyDeleted: true };
  }
  if (user.role === 'admin' && user.status === 'active') {
    if (!(await deps.accountStore.hasOtherActiveAdmin(deps.db, id))) throw userErrors.lastAdmin();
  }

  try {
    await deps.accounts.updateIdentity(id, { status: 'deleted' });
  } catch (err) {
    // auth never had this identity (a profile imported without one): nothing to revoke there.
    if (!(isAppError(err) && err.code === 'BIZ_001')) throw err;
    deps.logger.warn('deleting a user auth does not know', { user_id: id });
  }

  const write = () => deps.runInTx(async (tx): Promise<DeleteOutcome> => {
    const locked = await deps.users.findByIdForUpdate(tx, id);
    if (!locked) throw userErrors.notFound(id);
    if (locked.status === 'deleted') return { user: locked, deletion: await deps.deletions.find(tx, id), alreadyDeleted: true };
    const deleted = await deps.users.updateAccount(tx, id, { status: 'deleted', deletedAt: deps.now() }, { actorId: actor.id });
    const deletion = await deps.deletions.start(tx, { userId: id, requestedBy: actor.id, waitingFor: deps.settings.erasureServices });
    await deps.outbox.add(tx, userDeleted.create({ user_id: id, deleted_by: actor.id }, { source: EVENT_SOURCE, subject: id }));
    return { user: deleted, deletion, alreadyDeleted: false };
  });
  let outcome: DeleteOutcome;
  try {
    outcome = await write();
  } catch (err) {
    await undoIdentityChange(deps, user, { status: 'deleted' });
    throw err;
  }
  await deps.cache.invalidate(id);
  return outcome;
}

/**
 * user.data_erased: one service finished erasing what it held. The saga completes when every
 * service it waits for has confirmed. An event for a user without a saga changes nothing.
 */
export async function recordErasure(
  deps: Pick<Deps, 'deletions' | 'logger'>, tx: Db, e: { userId: string; service: string; erasedAt: string },
): Promise<UserDeletion | null> {
  const deletion = await deps.deletions.recordErasure(tx, e);
  if (!deletion) deps.logger.warn('erasure reported for a user without a deletion saga', { user_id: e.userId, service: e.service });
  else if (deletion.completedAt && deletion.waitingFor.length === 0) deps.logger.info('user deletion saga step', { user_id: e.userId, service: e.service, complete: true });
  return deletion;
}
