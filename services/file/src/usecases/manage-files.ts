import type { Actor } from '@platform/shared/auth';
import { fileDeleted } from '@platform/shared/events';
import { canAccessFile, type StoredFile } from '../domain/file.ts';
import { fileErrors } from '../domain/file-errors.ts';
import { sanitizeFileName } from '../domain/file-name.ts';
import type { FileDeps } from './deps.ts';
import type { FileListQuery } from './ports.ts';

type Who = Pick<Actor, 'id' | 'role'>;

/** A file the actor may see; another user's file is "not found", so ids cannot be probed. */
export async function getFile(deps: Pick<FileDeps, 'db' | 'files'>, actor: Who, id: string): Promise<StoredFile> {
  const file = await deps.files.findById(deps.db, id);
  if (!file || !canAccessFile(actor, file)) throw fileErrors.notFound(id);
  return file;
}

/** Users list their own files; admins everyone's, or one owner's with ownerId. */
export async function listFiles(
  deps: Pick<FileDeps, 'db' | 'files'>, actor: Who, query: Omit<FileListQuery, 'ownerId'> & { ownerId?: string },
): Promise<{ items: StoredFile[]; total: number }> {
  const ownerId = actor.role === 'admin' ? query.ownerId : actor.id;
  if (actor.role !== 'admin' && query.ownerId && query.ownerId !== actor.id) {
    // A user asking for someone else's files sees an empty list rather than an error that confirms the user exists.
    return { items: [], total: 0 };
  }
  return deps.files.list(deps.db, { ...query, ...(ownerId && { ownerId }) });
}

export async function renameFile(
  deps: Pick<FileDeps, 'db' | 'files' | 'runInTx'>, actor: Who, id: string, rawName: string, expectedVersion?: number,
): Promise<StoredFile> {
  const name = sanitizeFileName(rawName);
  return deps.runInTx(async (tx) => {
    const file = await deps.files.findById(tx, id);
    if (!file || !canAccessFile(actor, file)) throw fileErrors.notFound(id);
    const renamed = await deps.files.rename(tx, id, name, actor.id, expectedVersion);
    if (!renamed) {
      if (expectedVersion !== undefined && expectedVersion !== file.version) throw fileErrors.versionMismatch();
      throw fileErrors.notFound(id);
    }
    return renamed;
  });
}

/** Soft delete: the row is marked, the quota freed at once, the bytes purged later by the cleanup job. */
export async function deleteFile(deps: Pick<FileDeps, 'db' | 'files' | 'quotas' | 'outbox' | 'runInTx'>, actor: Who, id: string, expectedVersion?: number): Promise<void> {
  await deps.runInTx(async (tx) => {
    const file = await deps.files.findById(tx, id);
    if (!file || !canAccessFile(actor, file)) throw fileErrors.notFound(id);
    if (expectedVersion !== undefined && expectedVersion !== file.version) throw fileErrors.versionMismatch();
    const deleted = await deps.files.softDelete(tx, id, actor.id);
    if (!deleted) throw fileErrors.notFound(id);
    await deps.quotas.free(tx, file.ownerId, file.size);
    await deps.outbox.add(tx, fileDeleted.create({ file_id: id, owner_id: file.ownerId, deleted_by: actor.id }, { source: 'file', subject: id }));
  });
}
