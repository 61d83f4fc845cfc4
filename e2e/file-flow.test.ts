// The file service through the front door: `npm start` brings the platform up, clients register
// through the gateway and upload (multipart and tus-js-client, interrupted and resumed), list, read
// (Range), rename, share with signed links and delete; every cell of the access matrix is asked
// through the gateway as a client would.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ADMIN } from '../infra/launcher/dev-env.ts';
import { call } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const dataDir = mkdtempSync(join(tmpdir(), 'file-e2e-'));
let platform: PlatformProcess;

type User = { id: string; token: string };

async function register(label: string): Promise<User> {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
  const reg = await call('POST', `${api}/public/auth/register`, { body: { email, password: 'File-Flow-Passw0rd', display_name: label } });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  return { id: reg.body.data.user.id, token: reg.body.data.access_token };
}

async function login(email: string, password: string): Promise<User> {
  const res = await call('POST', `${api}/public/auth/login`, { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.data.user.id, token: res.body.data.access_token };
}

async function upload(user: User, name: string, content: Buffer, type = 'text/plain') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)], { type }), name);
  const res = await fetch(`${api}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function raw(url: string, { token, headers = {} }: { token?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, { headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** tus-js-client's URL storage kept in memory, so a second Upload finds the first one by fingerprint. */
function memoryUrlStorage(): tus.UrlStorage {
  const uploads = new Map<string, tus.PreviousUpload & { fingerprint: string }>();
  return {
    async findAllUploads() { return [...uploads.values()]; },
    async findUploadsByFingerprint(fingerprint) { return [...uploads.values()].filter((u) => u.fingerprint === fingerprint); },
    async removeUpload(key) { uploads.delete(key); },
    async addUpload(fingerprint, upload) {
      const key = `tus::${fingerprint}::${uploads.size}`;
      uploads.set(key, { ...upload, urlStorageKey: key, fingerprint });
      return key;
    },
  };
}

const text = (bytes: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

beforeAll(async () => {
  platform = await startPlatform({
    LOG_LEVEL: 'warn',
    STORAGE_DIR: join(dataDir, 'files'),
    TUS_DIR: join(dataDir, 'tus'),
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('files through the gateway', () => {
  let owner: User;
  let other: User;
  let fileId = '';
  const content = text(10_000);

  beforeAll(async () => {
    owner = await register('owner');
    other = await register('other');
  });

  it('uploads, lists, reads, renames and reads a range', async () => {
    const up = await upload(owner, 'notes.txt', content);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.data).toMatchObject({ name: 'notes.txt', size: content.length, content_type: 'text/plain' });
    fileId = up.body.data.id;

    const list = await call('GET', `${api}/files`, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((f: { id: string }) => f.id)).toContain(fileId);
    expect(list.body.meta.pagination).toMatchObject({ total: 1 });

    const get = await call('GET', `${api}/files/${fileId}`, { token: owner.token });
    expect(get.body.data).toMatchObject({ id: fileId, size: content.length });

    const renamed = await call('PATCH', `${api}/files/${fileId}`, { token: owner.token, body: { name: 'renamed.txt' } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.data.name).toBe('renamed.txt');

    const whole = await raw(`${api}/files/${fileId}/content`, { token: owner.token });
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(content)).toBe(true);
    expect(whole.headers.get('content-disposition')).toContain('renamed.txt');
    expect(whole.headers.get('x-content-type-options')).toBe('nosniff');

    const part = await raw(`${api}/files/${fileId}/content`, { token: owner.token, headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${content.length}`);
    expect(part.bytes.equals(content.subarray(100, 200))).toBe(true);
  });

  it('answers the access matrix: owner and admin read, another user and anonymous do not', async () => {
    const url = `${api}/files/${fileId}/content`;
    expect((await raw(url, { token: owner.token })).status).toBe(200);
    const adminUser = await login(DEV_ADMIN.email, DEV_ADMIN.password);
    expect((await raw(url, { token: adminUser.token })).status).toBe(200);
    const foreign = await call('GET', url, { token: other.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ success: false, error: { code: 'BIZ_001' } });
    const anonymous = await call('GET', url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ success: false, error: { code: 'AUTH_001' } });
  });

  it('shares a file with a signed link that works without a token, and refuses it tampered or expired', async () => {
    const created = await call('POST', `${api}/files/${fileId}/links`, { token: owner.token, body: { expires_in: 600 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const link = new URL(created.body.data.url);
    expect(link.href.startsWith(`${api}/public/files/${fileId}/content?`)).toBe(true);

    const ok = await raw(link.href);
    expect(ok.status).toBe(200);
    expect(ok.bytes.equals(content)).toBe(true);

    const sig = link.searchParams.get('signature')!;
    const tampered = new URL(link);
    tampered.searchParams.set('signature', `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`);
    const refused = await call('GET', tampered.href);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'AUTH_003' } });
    const longer = new URL(link);
    longer.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3600));
    expect((await call('GET', longer.href)).status).toBe(403);

    const other2 = await call('POST', `${api}/files/${fileId}/links`, { token: other.token, body: { expires_in: 600 } });
    expect(other2.status).toBe(404);

    const short = await call('POST', `${api}/files/${fileId}/links`, { token: owner.token, body: { expires_in: 1 } });
    expect(short.status).toBe(201);
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await call('GET', short.body.data.url);
    expect(expired.status).toBe(403);
  });

  it('resumes a tus upload that was interrupted half-way, with tus-js-client', async () => {
    const data = text(1024 * 1024 + 123);
    const urlStorage = memoryUrlStorage();
    const options = {
      endpoint: `${api}/uploads`,
      headers: { authorization: `Bearer ${owner.token}` },
      chunkSize: 256 * 1024,
      retryDelays: [],
      metadata: { filename: 'resumed.txt', filetype: 'text/plain' },
      urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
    };

    // First attempt: stopped by the client after its first chunk was accepted.
    const firstUrl = await new Promise<string>((resolve, reject) => {
      const first: tus.Upload = new tus.Upload(data, {
        ...options,
        onChunkComplete: (_size, accepted) => {
          if (accepted >= options.chunkSize) void first.abort().then(() => resolve(first.url!));
        },
        onSuccess: () => reject(new Error('the first attempt should have been interrupted')),
        onError: reject,
      });
      first.start();
    });
    expect(firstUrl.startsWith(`${api}/uploads/`)).toBe(true);
    const head = await fetch(firstUrl, { method: 'HEAD', headers: { authorization: `Bearer ${owner.token}`, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);

    // Another user cannot even see it.
    const foreign = await fetch(firstUrl, { method: 'HEAD', headers: { authorization: `Bearer ${other.token}`, 'tus-resumable': '1.0.0' } });
    expect(foreign.status).toBe(404);

    // Second attempt: a new Upload of the same data finds the first by fingerprint and resumes it.
    const progressStart: number[] = [];
    const finished = await new Promise<tus.HttpResponse>((resolve, reject) => {
      const second = new tus.Upload(data, {
        ...options,
        onProgress: (sent) => { if (progressStart.length === 0) progressStart.push(sent); },
        onSuccess: ({ lastResponse }) => resolve(lastResponse),
        onError: reject,
      });
      void second.findPreviousUploads().then((previous) => {
        expect(previous).toHaveLength(1);
        second.resumeFromPreviousUpload(previous[0]!);
        second.start();
      }, reject);
    });
    expect(progressStart[0]).toBeGreaterThanOrEqual(offset);
    const newFileId = finished.getHeader('x-file-id');
    expect(newFileId).toMatch(/^[0-9a-f-]{36}$/);

    const meta = await call('GET', `${api}/files/${newFileId}`, { token: owner.token });
    expect(meta.body.data).toMatchObject({ name: 'resumed.txt', size: data.length, content_type: 'text/plain' });
    const bytes = await raw(`${api}/files/${newFileId}/content`, { token: owner.token });
    expect(bytes.bytes.equals(data)).toBe(true);

    const after = await fetch(firstUrl, {
      method: 'HEAD', headers: { authorization: `Bearer ${owner.token}`, 'tus-resumable': '1.0.0', origin: 'https://app.example.com' },
    });
    expect(after.status).toBe(200);
    expect(after.headers.get('x-file-id')).toBe(newFileId);
    // A browser client may read it too (the gateway's CORS policy exposes it).
    expect(after.headers.get('access-control-expose-headers')?.toLowerCase().split(',').map((h) => h.trim())).toContain('x-file-id');
  });

  it('refuses tus without a token at the gateway', async () => {
    const res = await fetch(`${api}/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(res.status).toBe(401);
  });

  it('deletes a file: it is gone from the list and its content and links stop working', async () => {
    const link = await call('POST', `${api}/files/${fileId}/links`, { token: owner.token, body: { expires_in: 600 } });
    const del = await call('DELETE', `${api}/files/${fileId}`, { token: owner.token });
    expect(del.status).toBe(204);
    expect((await call('GET', `${api}/files/${fileId}`, { token: owner.token })).status).toBe(404);
    const list = await call('GET', `${api}/files`, { token: owner.token });
    expect(list.body.data.map((f: { id: string }) => f.id)).not.toContain(fileId);
    expect((await call('GET', link.body.data.url)).status).toBe(403);
  });
});
