// The benchmark's 1 GiB file: random bytes behind a gzip header (so the file service's sniffing
// accepts it as application/gzip without reading it as text), generated once into the temp dir and
// reused by later runs, with its sha256 beside it.
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from '../lib/log.ts';

export const BENCH_FILE_BYTES = 1024 ** 3;

// gzip member header: magic 1f 8b, deflate, no flags, no mtime, no extra flags, OS unix.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

export type BenchData = { path: string; bytes: number; sha256: string };

export function ensureBenchData(bytes = BENCH_FILE_BYTES): BenchData {
  const dir = join(tmpdir(), 'platform-file-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `random-${bytes}.gz`);
  const shaFile = `${path}.sha256`;
  if (existsSync(path) && existsSync(shaFile) && statSync(path).size === bytes) {
    return { path, bytes, sha256: readFileSync(shaFile, 'utf8').trim() };
  }
  progress(`file: generating ${bytes / 1024 ** 2} MiB of random data in ${dir}`);
  const temp = `${path}.${process.pid}.partial`;
  const fd = openSync(temp, 'w');
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  try {
    let written = 0;
    while (written < bytes) {
      const n = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, n);
      if (written === 0) GZIP_HEADER.copy(chunk, 0);
      const part = chunk.subarray(0, n);
      hash.update(part);
      writeSync(fd, part);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const sha256 = hash.digest('hex');
  writeFileSync(shaFile, `${sha256}\n`);
  return { path, bytes, sha256 };
}
