import { userDataErased } from '@platform/shared/events';
import { readStateNeeded, userFeedData, userUpsertNeeded, type NewChange } from '../domain/change.ts';
import type { ChangeFeedDeps } from './change-feed-ports.ts';
import type { PoolClient } from './ports.ts';

/** The consumer's transaction (with the inbox row) and the event being recorded. */
export type RecordScope = {
  tx: PoolClient;
  event: { id: string; occurredAt: Date };
  afterCommit(fn: () => unknown): void;
};

type Deps = Pick<ChangeFeedDeps, 'changes' | 'users' | 'signal' | 'outbox' | 'now' | 'logger'>;

/** Appends under the append lock and tells the streams once the transaction committed. */
async function append(deps: Deps, scope: RecordScope, changes: readonly NewChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const ids = await deps.changes.append(scope.tx, scope.event, changes);
  if (ids.length > 0) {
    const hint = { maxId: Math.max(...ids), userIds: [...new Set(changes.flatMap((c) => (c.userId ? [c.userId] : [])))] };
    scope.afterCommit(() => deps.signal.publish(hint));
  }
  return ids.length;
}

/**
 * user.created / updated / role_changed / banned / unbanned: the user's current record, fetched from
 * the user service (events name what changed, not always the values). The fetch happens before the
 * append lock is taken; under the lock, a record that the log already has (or a newer version of), or
 * a user whose tombstone is written, adds nothing. A user service that is down makes this throw, and
 * the consumer retries the event later: a change is delayed, never dropped.
 */
export async function recordUserChange(deps: Deps, scope: RecordScope, userId: string): Promise<number> {
  const record = await deps.users.lookup(userId);
  if (!record || record.deleted_at) {
    deps.logger.debug('change feed: user no longer exists; nothing to record', { user_id: userId });
    return 0;
  }
  const data = userFeedData(record);
  await deps.changes.lockForAppend(scope.tx);
  const latest = await deps.changes.latest(scope.tx, 'user', userId);
  if (!userUpsertNeeded(latest, data)) return 0;
  return append(deps, scope, [{ entity: 'user', entityId: userId, userId, op: 'upsert', data }]);
}

/**
 * user.deleted: this service's step of the delete saga. The user's earlier changes (which hold their
 * data) are erased, then tombstones are appended for the user and each of their files still live in
 * the log, and user.data_erased {service: 'sync'} goes into the outbox in the same transaction.
 */
export async function recordUserDeleted(deps: Deps, scope: RecordScope, userId: string): Promise<number> {
  await deps.changes.lockForAppend(scope.tx);
  const files = await deps.changes.liveFilesOf(scope.tx, userId);
  const erased = await deps.changes.eraseOwnedBy(scope.tx, userId);
  const written = await append(deps, scope, [
    { entity: 'user', entityId: userId, userId, op: 'delete', data: null },
    ...files.map((id): NewChange => ({ entity: 'file', entityId: id, userId, op: 'delete', data: null })),
  ]);
  await deps.outbox.add(scope.tx, userDataErased.create(
    { user_id: userId, service: 'sync', erased_at: deps.now().toISOString() },
    { source: 'sync', subject: userId },
  ));
  deps.logger.info('change feed: user erased', { user_id: userId, erased_changes: erased, tombstones: written });
  return written;
}

export type UploadedFile = { file_id: string; owner_id: string; name: string; size: number; content_type: string; sha256: string };

/** file.uploaded: the file as the event carries it; not after its tombstone or its owner's (events may arrive late). */
export async function recordFileUploaded(deps: Deps, scope: RecordScope, file: UploadedFile): Promise<number> {
  await deps.changes.lockForAppend(scope.tx);
  const latest = await deps.changes.latest(scope.tx, 'file', file.file_id);
  if (latest?.op === 'delete') return 0;
  const owner = await deps.changes.latest(scope.tx, 'user', file.owner_id);
  if (owner?.op === 'delete') return 0;
  return append(deps, scope, [{
    entity: 'file', entityId: file.file_id, userId: file.owner_id, op: 'upsert',
    data: { id: file.file_id, owner_id: file.owner_id, name: file.name, size: file.size, content_type: file.content_type, sha256: file.sha256 },
  }]);
}

/** file.deleted: a tombstone, unless the file's latest change already is one. */
export async function recordFileDeleted(deps: Deps, scope: RecordScope, file: { file_id: string; owner_id: string }): Promise<number> {
  await deps.changes.lockForAppend(scope.tx);
  const latest = await deps.changes.latest(scope.tx, 'file', file.file_id);
  if (latest?.op === 'delete') return 0;
  return append(deps, scope, [{ entity: 'file', entityId: file.file_id, userId: file.owner_id, op: 'delete', data: null }]);
}

export type ReadStateChange =
  | { user_id: string; notification_ids: string[]; read: boolean; changed_at: string }
  | { user_id: string; all: true; read: boolean; changed_at: string };

/**
 * notification.read_state_changed: one `notification` upsert per listed id, owned by the recipient,
 * data {id, read, read_at (changed_at when read, else null), changed_at}. Skipped for an id whose
 * latest change is newer or the same state, and entirely after the owner's tombstone. The `all: true`
 * form names no notification (this service reads no other schema), so it records nothing; the
 * notification service always lists the ids.
 */
export async function recordReadStateChanged(deps: Deps, scope: RecordScope, event: ReadStateChange): Promise<number> {
  if (!('notification_ids' in event)) {
    deps.logger.warn('change feed: read-all without ids; nothing to record', { user_id: event.user_id });
    return 0;
  }
  const ids = [...new Set(event.notification_ids)];
  const state = { read: event.read, changed_at: event.changed_at };
  await deps.changes.lockForAppend(scope.tx);
  const owner = await deps.changes.latest(scope.tx, 'user', event.user_id);
  if (owner?.op === 'delete') return 0;
  const latest = await deps.changes.latestMany(scope.tx, 'notification', ids);
  return append(deps, scope, ids.filter((id) => readStateNeeded(latest.get(id) ?? null, state)).map((id): NewChange => ({
    entity: 'notification', entityId: id, userId: event.user_id, op: 'upsert',
    data: { id, read: event.read, read_at: event.read ? event.changed_at : null, changed_at: event.changed_at },
  })));
}
