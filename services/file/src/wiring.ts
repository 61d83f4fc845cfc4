import { createRunInTx, type Pool } from '@platform/shared/db';
import { createOutbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { FileConfig } from './config.ts';
import { createPgFileRepo } from './infra/pg-file-repo.ts';
import { createPgQuotaRepo } from './infra/pg-quota-repo.ts';
import { createLocalDiskDriver } from './storage/local-disk-driver.ts';
import type { StorageDriver } from './storage/storage-driver.ts';
import type { FileDeps } from './usecases/deps.ts';

export type FileSettingsConfig = Pick<FileConfig, 'MAX_UPLOAD_BYTES' | 'DEFAULT_QUOTA_BYTES' | 'LARGE_UPLOAD_BYTES' | 'ALLOWED_CONTENT_TYPES' | 'REQUEST_TIMEOUT_MS'>;

/**
 * The storage driver the config names. The AWS SDK is imported only for the S3 driver: it adds
 * about 20 MB to the resident memory of a process that never uses it.
 */
export async function createStorage(config: Pick<FileConfig, 'STORAGE_DRIVER' | 'STORAGE_DIR' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE' | 'S3_CREATE_BUCKET'>): Promise<StorageDriver> {
  if (config.STORAGE_DRIVER === 'local') return createLocalDiskDriver({ dir: config.STORAGE_DIR });
  const { createS3Driver } = await import('./storage/s3-driver.ts');
  return createS3Driver({
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    ...(config.S3_ENDPOINT && { endpoint: config.S3_ENDPOINT }),
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID!, secretAccessKey: config.S3_SECRET_ACCESS_KEY! },
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    createBucket: config.S3_CREATE_BUCKET,
  });
}

/**
 * The concrete adapters behind the use-case ports, over connections the caller opened. main.ts and
 * the integration tests wire the service the same way through this one function.
 */
export function createFileDeps({ config, pool, storage, logger }: {
  config: FileSettingsConfig; pool: Pool; storage: StorageDriver; logger: Logger;
}): FileDeps {
  return {
    db: pool,
    runInTx: createRunInTx(pool),
    files: createPgFileRepo(),
    quotas: createPgQuotaRepo(),
    outbox: createOutbox('files'),
    storage,
    settings: {
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      defaultQuotaBytes: config.DEFAULT_QUOTA_BYTES,
      largeUploadBytes: config.LARGE_UPLOAD_BYTES,
      allowedContentTypes: config.ALLOWED_CONTENT_TYPES,
      // No request outlives REQUEST_TIMEOUT_MS; the minute on top covers clock skew and the last write.
      reservationTtlMs: config.REQUEST_TIMEOUT_MS + 60_000,
    },
    now: () => new Date(),
    logger,
  };
}
