import type { Tx } from './ports.ts';
import type { StorageDriver } from '../storage/storage-driver.ts';

/** What the erasure needs to find and forget a user's data (files.*). */
export type ErasureRepo = {
  /** Storage keys of the user's files whose bytes may still exist (not purged yet), rows locked. */
  unpurgedKeys(tx: Tx, userId: string): Promise<{ id: string; storageKey: string }[]>;
  /** Every row of the user marked deleted and purged, names blanked; returns how many. */
  markErased(tx: Tx, userId: string, at: Date): Promise<number>;
  /** The user's unfinished tus uploads, deleted; returns their ids (for the temp data). */
  deleteUploads(tx: Tx, userId: string): Promise<string[]>;
  /** The quota row and any reservation leases. */
  deleteQuota(tx: Tx, userId: string): Promise<void>;
};

export type UploadData = {
  /** Removes the temporary data of a tus upload; a missing upload is not an error. */
  remove(uploadId: string): Promise<void>;
};

export type EraseDeps = {
  erasure: ErasureRepo;
  storage: StorageDriver;
  uploadData: UploadData;
  now: () => Date;
};

export type ErasureResult = { files: number; bytesObjects: number; uploads: number };

/**
 * Erases everything this service holds for a deleted user, inside the caller's transaction (the
 * consumer's inbox transaction, where user.data_erased is added too). Bytes are deleted before the
 * rows are marked: if the transaction then fails, the redelivery finds the same rows and deletes
 * again (deleting a missing object is a no-op), so a retry can never leave bytes behind marked as
 * purged. Links go with their files (rows stay, the files are no longer active).
 */
export async function eraseUserFiles(deps: EraseDeps, tx: Tx, userId: string): Promise<ErasureResult> {
  const objects = await deps.erasure.unpurgedKeys(tx, userId);
  for (const o of objects) await deps.storage.delete(o.storageKey);
  const uploads = await deps.erasure.deleteUploads(tx, userId);
  for (const id of uploads) await deps.uploadData.remove(id);
  const files = await deps.erasure.markErased(tx, userId, deps.now());
  await deps.erasure.deleteQuota(tx, userId);
  return { files, bytesObjects: objects.length, uploads: uploads.length };
}
