import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertStorageKey, type StorageDriver } from './storage-driver.ts';

export const PARTIAL_SUFFIX = '.partial';

/**
 * Files under one data directory. A write goes to `<key>.<random>.partial` and is renamed to
 * `<key>` only once every byte is flushed, so a half-finished upload never looks complete and a
 * crash leaves only `.partial` files (the cleanup job may remove old ones).
 */
export function createLocalDiskDriver({ dir }: { dir: string }): StorageDriver {
  const pathOf = (key: string) => {
    assertStorageKey(key);
    return join(dir, key);
  };

  return {
    name: 'local',
    async put(key, body: Readable) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
      try {
        await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o640 }));
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
    async get(key, range) {
      let handle;
      try {
        handle = await open(pathOf(key), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      // The stream owns the handle and closes it when it ends or is destroyed.
      return handle.createReadStream({ ...(range && { start: range.start, end: range.end }), highWaterMark: 64 * 1024 });
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async stat(key) {
      try {
        const s = await stat(pathOf(key));
        return { size: s.size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async check() {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    },
    async sweepIncomplete(olderThan) {
      let removed = 0;
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(PARTIAL_SUFFIX)) continue;
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtime < olderThan) {
          await rm(path, { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}
