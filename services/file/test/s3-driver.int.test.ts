import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
// s3rver: a small S3 API server in Node (multipart uploads and ranged GETs included), so the S3
// driver is tested against real S3 requests without MinIO or Docker on this machine.
import S3rver from 's3rver';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Driver } from '../src/storage/s3-driver.ts';
import type { StorageDriver } from '../src/storage/storage-driver.ts';
import { API, startTestApp, type TestApp } from './helpers.ts';

const BUCKET = 'platform-files';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let dir: string;
let server: S3rver;
let endpoint: string;
let driver: StorageDriver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 's3rver-'));
  server = new S3rver({
    address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  // 5 MiB parts (S3's minimum), so a 12 MiB object is a three-part multipart upload.
  driver = createS3Driver({ bucket: BUCKET, region: 'us-east-1', endpoint, credentials: CREDENTIALS, partSize: 5 * 1024 * 1024 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const pattern = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) % 256;
  return b;
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function readAll(stream: Readable | null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream!) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
/** A body that yields `bytes` in 1 MiB chunks, then fails. */
function failingBody(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return this.destroy(new Error('client went away'));
      const n = Math.min(1024 * 1024, bytes - sent);
      sent += n;
      this.push(Buffer.alloc(n, 1));
    },
  });
}

describe('S3 driver against an S3 API (s3rver)', () => {
  it('stores a multi-part object and reads it back whole and by range', async () => {
    const data = pattern(12 * 1024 * 1024 + 17);
    await driver.put('ab/multi-part', Readable.from([data.subarray(0, 7_000_000), data.subarray(7_000_000)]), { contentType: 'application/pdf' });
    expect(await driver.stat('ab/multi-part')).toEqual({ size: data.length });
    expect(sha(await readAll(await driver.get('ab/multi-part')))).toBe(sha(data));
    const range = await readAll(await driver.get('ab/multi-part', { start: 5_242_870, end: 5_242_889 }));
    expect(Buffer.compare(range, data.subarray(5_242_870, 5_242_890))).toBe(0);
  });

  it('reports missing objects as null and deletes idempotently', async () => {
    await driver.put('cd/small', Readable.from([Buffer.from('hello')]));
    expect(await text((await driver.get('cd/small'))!)).toBe('hello');
    await driver.delete('cd/small');
    await driver.delete('cd/small');
    expect(await driver.get('cd/small')).toBeNull();
    expect(await driver.stat('cd/small')).toBeNull();
  });

  it('leaves no object behind when the body fails half-way through a multipart upload', async () => {
    await expect(driver.put('ef/broken', failingBody(11 * 1024 * 1024))).rejects.toThrow('client went away');
    expect(await driver.stat('ef/broken')).toBeNull();
  });

  it('refuses keys that could escape the bucket layout', async () => {
    await expect(driver.put('../x', Readable.from([Buffer.from('x')]))).rejects.toThrow(/invalid storage key/);
  });

  it('passes the readiness check only when the bucket exists, or creates it when told to', async () => {
    await driver.check();
    const missing = createS3Driver({ bucket: 'no-such-bucket', region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    await expect(missing.check()).rejects.toThrow();
    const creating = createS3Driver({ bucket: 'created-at-start', region: 'us-east-1', endpoint, credentials: CREDENTIALS, createBucket: true });
    await creating.check();
    await creating.check();
    await creating.put('gh/after-create', Readable.from([Buffer.from('ok')]));
    expect(await creating.stat('gh/after-create')).toEqual({ size: 2 });
  });
});

describe('the file service on the S3 driver', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      STORAGE_DRIVER: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
  });
  afterAll(() => t.stop());

  it('uploads, downloads a range and refuses a disguised executable without leaving an object', async () => {
    const user = t.principal();
    const body = Buffer.from('s3 backed content\n'.repeat(100));
    const file = await t.upload(user, body, { name: 's3.txt' });
    const [row] = await t.rows<{ storage_key: string }>('SELECT storage_key FROM files.files WHERE id = $1', [file.id]);
    const storage_key = row!.storage_key;
    expect(await t.deps.storage.stat(storage_key)).toEqual({ size: body.length });
    const res = await request(t.app).get(`${API}/files/${file.id}/content`).set('authorization', user.auth).set('range', 'bytes=3-8');
    expect(res.status).toBe(206);
    expect(res.text).toBe('backed');

    const exe = Buffer.alloc(200_000);
    exe.write('MZ', 0, 'latin1');
    exe.writeUInt32LE(0x80, 0x3c);
    exe.write('PE\0\0', 0x80, 'latin1');
    const refused = await request(t.app).post(`${API}/files`).set('authorization', user.auth).attach('file', exe, { filename: 'a.jpg', contentType: 'image/jpeg' });
    expect(refused.status).toBe(415);
    expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [user.id])).toHaveLength(1);
  });
});
