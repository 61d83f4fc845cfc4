import { mkdirSync } from 'node:fs';
import type { Server } from '@tus/server';
import type { Pool } from '@platform/shared/db';
import { fileDeleted, type Outbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { FileConfig } from './config.ts';
import { runCleanupOnce, startCleanupSchedule, type CleanupRun } from './infra/cleanup-scheduler.ts';
import { onUserDeleted } from './infra/consumers/on-user-deleted.ts';
import { createPgCleanupRepo } from './infra/pg-cleanup-repo.ts';
import { createPgErasureRepo } from './infra/pg-erasure-repo.ts';
import { createPgLinkRepo } from './infra/pg-link-repo.ts';
import { createPgTusUploadRepo } from './infra/pg-tus-upload-repo.ts';
import { ChecksumFileStore } from './infra/tus/checksum-file-store.ts';
import { createTusServer } from './infra/tus/tus-server.ts';
import type { CleanupDeps } from './usecases/cleanup.ts';
import type { FileDeps } from './usecases/deps.ts';
import type { ResumableDeps } from './usecases/resumable-uploads.ts';
import type { LinkDeps } from './usecases/signed-links.ts';

/** Nobody's uuid: file.deleted's deleted_by when the retention policy, not a person, deletes a file. */
export const SYSTEM_ACTOR_ID = '00000000-0000-0000-0000-000000000000';

export type TransferConfig = Pick<FileConfig,
  'LINK_SIGNING_SECRET' | 'LINK_MAX_TTL_S' | 'PUBLIC_BASE_URL' | 'TUS_DIR' | 'TUS_EXPIRATION_S' | 'FILE_RETENTION_DAYS' | 'CLEANUP_CRON'>;

/** Resumable uploads, signed links, the user erasure consumer and the cleanup job, over the core deps. */
export type Transfers = {
  links: LinkDeps & { publicApiUrl: string };
  uploads: ResumableDeps;
  tus: Server;
  cleanup: CleanupDeps;
  /** One cleanup pass now (skipped when another replica is running one). */
  runCleanup(): Promise<CleanupRun>;
  /** Starts the cron schedule; main.ts stops it on shutdown. */
  scheduleCleanup(): { stop(): void };
  /** The consumer of user.deleted (queue file.user-erasure, or `queue` in tests). */
  userErasureConsumer(queue?: string): ReturnType<typeof onUserDeleted>;
};

export function createTransfers({ config, core, pool, logger }: {
  config: TransferConfig; core: FileDeps; pool: Pool; logger: Logger;
}): Transfers {
  // FileStore creates its directory asynchronously and throws from the callback; creating it here
  // fails at start with a plain error instead (e.g. TUS_DIR not writable).
  mkdirSync(config.TUS_DIR, { recursive: true });
  const store = new ChecksumFileStore({ directory: config.TUS_DIR, expirationPeriodInMilliseconds: config.TUS_EXPIRATION_S * 1000 });
  const uploadData = { remove: (id: string) => store.removeIfPresent(id) };
  const uploads: ResumableDeps = { ...core, uploads: createPgTusUploadRepo(), uploadData, uploadTtlMs: config.TUS_EXPIRATION_S * 1000 };
  const outbox: Outbox = core.outbox;
  const cleanup: CleanupDeps = {
    cleanup: createPgCleanupRepo(pool),
    storage: core.storage,
    uploadData,
    runInTx: core.runInTx,
    async onRetired(tx, files) {
      await outbox.addMany(tx, files.map((f) => fileDeleted.create(
        { file_id: f.id, owner_id: f.ownerId, deleted_by: SYSTEM_ACTOR_ID },
        { source: 'file', subject: f.id },
      )));
    },
    ...(config.FILE_RETENTION_DAYS && { retentionDays: config.FILE_RETENTION_DAYS }),
    reclaimLeases: () => core.quotas.reclaimExpired(core.db),
    now: core.now,
    logger,
  };
  return {
    links: {
      db: core.db, runInTx: core.runInTx, links: createPgLinkRepo(), now: core.now,
      linkSecret: config.LINK_SIGNING_SECRET, linkMaxTtlS: config.LINK_MAX_TTL_S, publicApiUrl: config.PUBLIC_BASE_URL,
    },
    uploads,
    tus: createTusServer(uploads, store),
    cleanup,
    runCleanup: () => runCleanupOnce(pool, cleanup),
    scheduleCleanup: () => startCleanupSchedule(pool, cleanup, config.CLEANUP_CRON),
    userErasureConsumer: (queue) => onUserDeleted(
      { erasure: createPgErasureRepo(), storage: core.storage, uploadData, now: core.now, outbox },
      queue ? { queue } : {},
    ),
  };
}
