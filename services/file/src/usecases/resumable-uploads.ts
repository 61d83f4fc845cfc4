import type { Readable } from 'node:stream';
import type { Actor } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import type { StoredFile } from '../domain/file.ts';
import { fileErrors } from '../domain/file-errors.ts';
import { availableBytes } from '../domain/quota.ts';
import type { Db, Tx } from './ports.ts';
import { storeUpload, type StoreUploadDeps } from './store-upload.ts';

/** A tus upload as files.tus_uploads records it. */
export type TusUpload = {
  id: string;
  ownerId: string;
  size: number;
  reservedBytes: number;
  metadata: Record<string, string>;
  createdAt: Date;
  expiresAt: Date;
  completedFileId: string | null;
};

export type TusUploadRepo = {
  insert(tx: Tx, upload: TusUpload): Promise<void>;
  find(db: Db, id: string): Promise<TusUpload | null>;
  /** The finished upload became file `fileId`; its reservation now belongs to that file. */
  complete(tx: Tx, id: string, fileId: string): Promise<void>;
  /** Deletes the row; returns what it had reserved (0 when it was already gone). */
  remove(tx: Tx, id: string): Promise<TusUpload | null>;
};

export type ResumableDeps = StoreUploadDeps & {
  uploads: TusUploadRepo;
  /** Removes the temporary bytes of an upload (missing is fine). */
  uploadData: { remove(id: string): Promise<void> };
  /** How long an unfinished upload is kept. */
  uploadTtlMs: number;
  now: () => Date;
};

const notFound = () => new AppError('BIZ_001', 'Upload not found');

/**
 * POST /uploads: the whole Upload-Length is reserved against the quota at once (one conditional
 * UPDATE, so parallel uploads cannot overshoot together), then the upload is recorded with its
 * owner. Sizes above MAX_UPLOAD_BYTES never get here (tus answers 413 first).
 */
export async function beginUpload(deps: ResumableDeps, actor: Actor, input: { id: string; size: number; metadata: Record<string, string> }): Promise<TusUpload> {
  const max = deps.settings.maxUploadBytes;
  if (input.size > max) throw fileErrors.tooLarge(max);
  const now = deps.now();
  const upload: TusUpload = {
    id: input.id, ownerId: actor.id, size: input.size, reservedBytes: input.size, metadata: input.metadata,
    createdAt: now, expiresAt: new Date(now.getTime() + deps.uploadTtlMs), completedFileId: null,
  };
  await deps.runInTx(async (tx) => {
    if (input.size > 0 && !(await deps.quotas.reserve(tx, actor.id, input.size, deps.settings.defaultQuotaBytes))) {
      const quota = await deps.quotas.get(tx, actor.id);
      throw fileErrors.quotaExceeded(availableBytes(quota, deps.settings.defaultQuotaBytes));
    }
    await deps.uploads.insert(tx, upload);
  });
  return upload;
}

/** HEAD/PATCH/DELETE /uploads/{id}: only the owner may touch an upload; anyone else gets 404. */
export async function uploadOf(deps: Pick<ResumableDeps, 'db' | 'uploads'>, actor: Actor, id: string): Promise<TusUpload> {
  const upload = await deps.uploads.find(deps.db, id);
  if (!upload || upload.ownerId !== actor.id) throw notFound();
  return upload;
}

/**
 * The last byte arrived: the bytes go through the same finishing step as a multipart upload
 * (sniffing, allow-list, size, quota, record, file.uploaded), with the reservation made at
 * creation. Either way the temporary tus data is removed: on success the upload row keeps the new
 * file id (a later HEAD answers it), on failure the row goes and the reservation is released.
 */
export async function finishUpload(deps: ResumableDeps, upload: TusUpload, body: Readable): Promise<StoredFile> {
  let file: StoredFile;
  try {
    file = await storeUpload(deps, {
      ownerId: upload.ownerId,
      actorId: upload.ownerId,
      body,
      name: upload.metadata.filename ?? upload.metadata.name ?? 'upload',
      ...((upload.metadata.filetype ?? upload.metadata.type) && { contentType: upload.metadata.filetype ?? upload.metadata.type }),
      reservedBytes: upload.reservedBytes,
      exactSize: upload.size,
      // In the transaction that turns the reservation into used bytes: a crash can never leave the
      // row still holding a reservation the quota no longer has (the cleanup would release it twice).
      onRecorded: (tx, stored) => deps.uploads.complete(tx, upload.id, stored.id),
    });
  } catch (err) {
    // storeUpload released the reservation; the row goes without releasing it a second time.
    await deps.runInTx((tx) => deps.uploads.remove(tx, upload.id));
    await removeData(deps, upload.id);
    throw err;
  }
  await removeData(deps, upload.id);
  return file;
}

/** DELETE /uploads/{id} (tus termination) after tus removed the data: the reservation is given back. */
export async function forgetUpload(deps: ResumableDeps, id: string): Promise<void> {
  await deps.runInTx(async (tx) => {
    const removed = await deps.uploads.remove(tx, id);
    if (removed && removed.reservedBytes > 0 && !removed.completedFileId) await deps.quotas.release(tx, removed.ownerId, removed.reservedBytes);
  });
}

async function removeData(deps: ResumableDeps, id: string) {
  try {
    await deps.uploadData.remove(id);
  } catch (err) {
    // The cleanup job would otherwise never see it (the row is done): log loudly.
    deps.logger.error('could not remove the temporary data of a tus upload', { upload_id: id, err });
  }
}
