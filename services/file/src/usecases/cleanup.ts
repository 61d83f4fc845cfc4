import type { Logger } from '@platform/shared/logger';
import type { StorageDriver } from '../storage/storage-driver.ts';
import type { UploadData } from './erase-user-files.ts';
import type { RunInTx, Tx } from './ports.ts';

export type ExpiredUpload = { id: string; ownerId: string; reservedBytes: number };
export type RetiredFile = { id: string; ownerId: string; size: number };

export type CleanupRepo = {
  /** Deleted files whose bytes are still stored, oldest deletion first. */
  unpurged(limit: number): Promise<{ id: string; storageKey: string }[]>;
  markPurged(id: string, at: Date): Promise<void>;
  /** Unfinished tus uploads past their expiry, oldest first. */
  expiredUploads(now: Date, limit: number): Promise<ExpiredUpload[]>;
  /** Deletes the upload row and gives its reservation back, in the caller's transaction; false if already gone. */
  dropUpload(tx: Tx, upload: ExpiredUpload): Promise<boolean>;
  /** Forgets finished uploads past their expiry (their file is a normal file now); returns how many. */
  pruneCompleted(now: Date): Promise<number>;
  /** Soft-deletes active files created before `before` (quota freed), in the caller's transaction. */
  retire(tx: Tx, before: Date, limit: number, at: Date): Promise<RetiredFile[]>;
};

export type CleanupDeps = {
  cleanup: CleanupRepo;
  storage: StorageDriver;
  uploadData: UploadData;
  runInTx: RunInTx;
  /** file.deleted for files the retention removes. */
  onRetired: (tx: Tx, files: RetiredFile[]) => Promise<void>;
  retentionDays?: number;
  /** Gives back the reserved bytes of uploads whose process died (expired reservation leases); returns users affected. */
  reclaimLeases?: () => Promise<number>;
  now: () => Date;
  logger: Logger;
  batchSize?: number;
};

export type CleanupReport = {
  retired: number; purged: number; expiredUploads: number; completedUploadsForgotten: number; usersWithLeasesReclaimed: number; failed: number;
};

/**
 * One pass of the cleanup job: files past the retention (when set) are soft-deleted, the bytes of
 * soft-deleted files are removed, and expired tus uploads lose their temp data and reservation.
 * Each step works in batches until nothing is left, so a pass can be stopped at any point and the
 * next one resumes. A failure on one object is logged and counted; the rest still runs.
 */
export async function runCleanup(deps: CleanupDeps): Promise<CleanupReport> {
  const batch = deps.batchSize ?? 100;
  const report: CleanupReport = { retired: 0, purged: 0, expiredUploads: 0, completedUploadsForgotten: 0, usersWithLeasesReclaimed: 0, failed: 0 };

  if (deps.retentionDays) {
    const before = new Date(deps.now().getTime() - deps.retentionDays * 86_400_000);
    for (;;) {
      const retired = await deps.runInTx(async (tx) => {
        const files = await deps.cleanup.retire(tx, before, batch, deps.now());
        await deps.onRetired(tx, files);
        return files.length;
      });
      report.retired += retired;
      if (retired > 0) deps.logger.info('cleanup: files past retention deleted', { count: retired, retention_days: deps.retentionDays });
      if (retired < batch) break;
    }
  }

  const failedPurges = new Set<string>();
  for (;;) {
    const rows = (await deps.cleanup.unpurged(batch + failedPurges.size)).filter((r) => !failedPurges.has(r.id));
    if (rows.length === 0) break;
    for (const row of rows.slice(0, batch)) {
      try {
        await deps.storage.delete(row.storageKey);
        await deps.cleanup.markPurged(row.id, deps.now());
        report.purged++;
      } catch (err) {
        failedPurges.add(row.id);
        report.failed++;
        deps.logger.warn('cleanup: could not purge file bytes', { file_id: row.id, err });
      }
    }
    deps.logger.info('cleanup: purged bytes of deleted files', { total: report.purged });
    if (rows.length < batch) break;
  }

  const failedUploads = new Set<string>();
  for (;;) {
    const uploads = (await deps.cleanup.expiredUploads(deps.now(), batch + failedUploads.size)).filter((u) => !failedUploads.has(u.id));
    if (uploads.length === 0) break;
    for (const upload of uploads.slice(0, batch)) {
      try {
        await deps.runInTx(async (tx) => {
          if (await deps.cleanup.dropUpload(tx, upload)) await deps.uploadData.remove(upload.id);
        });
        report.expiredUploads++;
      } catch (err) {
        failedUploads.add(upload.id);
        report.failed++;
        deps.logger.warn('cleanup: could not remove an expired upload', { upload_id: upload.id, err });
      }
    }
    deps.logger.info('cleanup: expired uploads removed', { total: report.expiredUploads });
    if (uploads.length < batch) break;
  }
  // A finished upload's row only answers HEAD with the file id to a client resuming late.
  report.completedUploadsForgotten = await deps.cleanup.pruneCompleted(deps.now());
  if (deps.reclaimLeases) {
    report.usersWithLeasesReclaimed = await deps.reclaimLeases();
    if (report.usersWithLeasesReclaimed > 0) deps.logger.info('cleanup: reservations of dead uploads given back', { users: report.usersWithLeasesReclaimed });
  }
  return report;
}
