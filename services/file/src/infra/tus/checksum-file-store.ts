import { createHash } from 'node:crypto';
import { rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { tusContext } from './tus-context.ts';

/** Algorithms accepted in Upload-Checksum (tus checksum extension); advertised in Tus-Checksum-Algorithm. */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5'] as const;

export const CHECKSUM_MISMATCH = { status_code: 460, body: 'Checksum Mismatch\n' };

/**
 * @tus/file-store with the checksum extension, which @tus/server does not implement: a PATCH
 * carrying Upload-Checksum is hashed while it is written, and when the digest differs the chunk is
 * cut off again (the file truncated back to the offset the PATCH started at, under tus's upload
 * lock) and the request answered 460. Upload-Defer-Length is not offered: the quota is reserved
 * from Upload-Length at creation.
 */
export class ChecksumFileStore extends FileStore {
  constructor(options: { directory: string; expirationPeriodInMilliseconds: number }) {
    super(options);
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum'];
  }

  override async write(readable: Readable, fileId: string, offset: number): Promise<number> {
    const checksum = tusContext.getStore()?.checksum;
    if (!checksum) return super.write(readable, fileId, offset);
    const hash = createHash(checksum.algorithm);
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    readable.on('error', (err) => hashing.destroy(err));
    const newOffset = await super.write(readable.pipe(hashing), fileId, offset);
    if (!hash.digest().equals(checksum.digest)) {
      await truncate(join(this.directory, fileId), offset);
      throw CHECKSUM_MISMATCH;
    }
    return newOffset;
  }

  /** Removes an upload's data and info file (ids are ours: hex, never a path); missing is not an error. */
  async removeIfPresent(fileId: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]+$/.test(fileId)) return;
    await rm(join(this.directory, fileId), { force: true });
    await rm(join(this.directory, `${fileId}.json`), { force: true });
  }
}
