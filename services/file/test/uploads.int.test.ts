import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, samples, type Principal } from './helpers.ts';
import { startTransferTestApp, type TransferTestApp } from './transfer-helpers.ts';

let t: TransferTestApp;
beforeAll(async () => { t = await startTransferTestApp({ MAX_UPLOAD_BYTES: String(1024 * 1024), DEFAULT_QUOTA_BYTES: String(600 * 1024) }); });
afterAll(() => t.stop());

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = 'application/offset+octet-stream';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const metadata = (name: string, type: string) => `filename ${b64(name)},filetype ${b64(type)}`;
const text = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i + seed) % 26))).join(''));
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');

async function create(user: Principal, size: number, extra: Record<string, string> = {}) {
  return request(t.app).post(`${API}/uploads`).set(TUS).set('authorization', user.auth)
    .set('upload-length', String(size)).set('upload-metadata', metadata('notes.txt', 'text/plain')).set(extra);
}

async function createOk(user: Principal, size: number) {
  const res = await create(user, size);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.headers.location!.split('/').pop()!;
  return { id, location: res.headers.location! };
}

const patch = (user: Principal, id: string, offset: number, body: Buffer, extra: Record<string, string> = {}) =>
  request(t.app).patch(`${API}/uploads/${id}`).set(TUS).set('authorization', user.auth)
    .set('upload-offset', String(offset)).set('content-type', OCTETS).set(extra).send(body);

const head = (user: Principal, id: string) => request(t.app).head(`${API}/uploads/${id}`).set(TUS).set('authorization', user.auth);

const quotaOf = async (userId: string) =>
  (await t.rows<{ used_bytes: string; reserved_bytes: string }>('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [userId]))[0];

describe('tus discovery and creation', () => {
  it('answers OPTIONS without a token, with the extensions and checksum algorithms', async () => {
    const res = await request(t.app).options(`${API}/uploads`);
    expect(res.status).toBe(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(res.headers['tus-extension']!.split(',')).toEqual(expect.arrayContaining(['creation', 'termination', 'checksum', 'expiration']));
    expect(res.headers['tus-extension']).not.toContain('creation-defer-length');
    expect(res.headers['tus-checksum-algorithm']!.split(',')).toContain('sha1');
    expect(res.headers['tus-max-size']).toBe(String(1024 * 1024));
  });

  it('refuses to create an upload without a token', async () => {
    const res = await request(t.app).post(`${API}/uploads`).set(TUS).set('upload-length', '10');
    expectError(res, 401, 'AUTH_001');
  });

  it('creates an upload, reserves its whole length and points Location at this service when called directly', async () => {
    const user = t.principal();
    const res = await create(user, 1000);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(res.headers['upload-expires']).toEqual(expect.any(String));
    const location = res.headers.location!;
    expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/uploads\/[0-9a-f]{32}$/);
    const id = location.split('/').pop()!;
    const [row] = await t.rows('SELECT owner_id, size, reserved_bytes, metadata FROM files.tus_uploads WHERE id = $1', [id]);
    expect(row).toEqual({ owner_id: user.id, size: '1000', reserved_bytes: '1000', metadata: { filename: 'notes.txt', filetype: 'text/plain' } });
    expect(await quotaOf(user.id)).toEqual({ used_bytes: '0', reserved_bytes: '1000' });
  });

  it('points Location at the public gateway path when the gateway forwarded the request', async () => {
    const user = t.principal();
    const res = await create(user, 10, {
      'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com', 'x-forwarded-port': '443', 'x-forwarded-prefix': '/KONGAPI/api/v1/uploads',
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(/^https:\/\/api\.example\.com\/KONGAPI\/api\/v1\/uploads\/[0-9a-f]{32}$/);
    const local = await create(user, 10, {
      'x-forwarded-proto': 'http', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-port': '8000', 'x-forwarded-prefix': '/KONGAPI/api/v1/uploads',
    });
    expect(local.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:8000\/KONGAPI\/api\/v1\/uploads\/[0-9a-f]{32}$/);
  });

  it('refuses an upload larger than the quota left, with nothing recorded', async () => {
    const user = t.principal();
    const before = await t.snapshot();
    const res = await create(user, 700 * 1024);
    expectError(res, 422, 'BIZ_003');
    expect(await t.snapshot()).toEqual(before);
    expect(await t.rows('SELECT id FROM files.tus_uploads WHERE owner_id = $1', [user.id])).toEqual([]);
  });

  it('refuses an Upload-Length above MAX_UPLOAD_BYTES with 413 and a deferred length with 400', async () => {
    const user = t.principal();
    const before = await t.snapshot();
    expectError(await create(user, 1024 * 1024 + 1), 413, 'REQ_413');
    const deferred = await request(t.app).post(`${API}/uploads`).set(TUS).set('authorization', user.auth).set('upload-defer-length', '1');
    expectError(deferred, 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
    expect(await t.rows('SELECT id FROM files.tus_uploads WHERE owner_id = $1', [user.id])).toEqual([]);
  });

  it('lets parallel creations reserve no more than the quota together', async () => {
    const user = t.principal();
    const results = await Promise.all([0, 1, 2, 3].map(() => create(user, 200 * 1024)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422]);
    expect(await quotaOf(user.id)).toEqual({ used_bytes: '0', reserved_bytes: String(600 * 1024) });
  });
});

describe('tus transfer', () => {
  it('takes a file in parts, tells the offset, resumes and turns the finished upload into a file', async () => {
    const user = t.principal();
    const data = text(300_000);
    const { id } = await createOk(user, data.length);

    const first = await patch(user, id, 0, data.subarray(0, 100_000));
    expect(first.status, first.text).toBe(204);
    expect(first.headers['upload-offset']).toBe('100000');
    expect(first.headers['x-file-id']).toBeUndefined();

    const probe = await head(user, id);
    expect(probe.status).toBe(200);
    expect(probe.headers['upload-offset']).toBe('100000');
    expect(probe.headers['upload-length']).toBe(String(data.length));
    expect(probe.headers['cache-control']).toBe('no-store');

    const stale = await patch(user, id, 50_000, data.subarray(50_000, 60_000));
    expectError(stale, 409, 'BIZ_002');

    const last = await patch(user, id, 100_000, data.subarray(100_000));
    expect(last.status, last.text).toBe(204);
    expect(last.headers['upload-offset']).toBe(String(data.length));
    const fileId = last.headers['x-file-id']!;
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);

    const [file] = await t.rows('SELECT owner_id, name, size, content_type, sha256, status FROM files.files WHERE id = $1', [fileId]);
    expect(file).toEqual({
      owner_id: user.id, name: 'notes.txt', size: String(data.length), content_type: 'text/plain',
      sha256: createHash('sha256').update(data).digest('hex'), status: 'active',
    });
    const content = await request(t.app).get(`${API}/files/${fileId}/content`).set('authorization', user.auth).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect((content.body as Buffer).equals(data)).toBe(true);
    expect(await quotaOf(user.id)).toEqual({ used_bytes: String(data.length), reserved_bytes: '0' });
    const [event] = (await t.outbox('file.uploaded')).filter((e) => e.envelope.data.file_id === fileId);
    expect(event!.envelope.data).toMatchObject({ owner_id: user.id, size: data.length });
    expect(t.tusFiles().filter((f) => f.startsWith(id))).toEqual([]);

    // A client resuming later learns the upload is done, and which file it became.
    const after = await head(user, id);
    expect(after.status).toBe(200);
    expect(after.headers['upload-offset']).toBe(String(data.length));
    expect(after.headers['x-file-id']).toBe(fileId);
    expectError(await patch(user, id, data.length, Buffer.from('x')), 409, 'BIZ_002');
  });

  it('keeps what arrived before the client dropped mid-PATCH, and resumes from there', async () => {
    const user = t.principal();
    const data = text(400_000, 11);
    const { id } = await createOk(user, data.length);
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      // Announce the whole file, send 150 000 bytes, then cut the connection.
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1', port, method: 'PATCH', path: `${API}/uploads/${id}`,
          headers: { ...TUS, authorization: user.auth, 'upload-offset': '0', 'content-type': OCTETS, 'content-length': String(data.length) },
        });
        req.on('error', () => resolve());
        req.write(data.subarray(0, 150_000), () => setTimeout(() => { req.destroy(); resolve(); }, 300));
      });
      let offset = 0;
      for (let i = 0; i < 100 && offset === 0; i++) {
        const probe = await head(user, id);
        offset = Number(probe.headers['upload-offset'] ?? 0);
        if (offset === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(150_000);
      const rest = await patch(user, id, offset, data.subarray(offset));
      expect(rest.status, rest.text).toBe(204);
      const [file] = await t.rows('SELECT sha256 FROM files.files WHERE id = $1', [rest.headers['x-file-id']]);
      expect(file).toEqual({ sha256: createHash('sha256').update(data).digest('hex') });
    } finally {
      server.close();
    }
  });

  it('discards a chunk whose checksum does not match (460) and accepts it with the right one', async () => {
    const user = t.principal();
    const data = text(20_000, 3);
    const { id } = await createOk(user, data.length);
    const chunk = data.subarray(0, 8_000);

    const wrong = await patch(user, id, 0, chunk, { 'upload-checksum': `sha1 ${sha1(Buffer.from('something else'))}` });
    expectError(wrong, 460, 'VAL_002');
    expect((await head(user, id)).headers['upload-offset']).toBe('0');

    const unknown = await patch(user, id, 0, chunk, { 'upload-checksum': 'crc32 AAAA' });
    expectError(unknown, 400, 'VAL_001');

    const right = await patch(user, id, 0, chunk, { 'upload-checksum': `sha1 ${sha1(chunk)}` });
    expect(right.status, right.text).toBe(204);
    expect(right.headers['upload-offset']).toBe('8000');
    const rest = data.subarray(8_000);
    const done = await patch(user, id, 8_000, rest, { 'upload-checksum': `sha256 ${createHash('sha256').update(rest).digest('base64')}` });
    expect(done.status, done.text).toBe(204);
    expect(done.headers['x-file-id']).toEqual(expect.any(String));
  });

  it('finishes an upload once, even when an empty PATCH at the final offset arrives while it finishes', async () => {
    const user = t.principal();
    const data = text(500_000, 7);
    const { id } = await createOk(user, data.length);
    const last = patch(user, id, 0, data).then((r) => r);
    // As soon as every byte is on disk (HEAD says so) the finishing step is running or done.
    for (let i = 0; i < 200; i++) {
      const probe = await head(user, id);
      if (probe.headers['upload-offset'] === String(data.length)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const second = await patch(user, id, data.length, Buffer.alloc(0));
    expect(second.status).toBe(409);
    expect((await last).status).toBe(204);
    expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [user.id])).toHaveLength(1);
    expect(await quotaOf(user.id)).toEqual({ used_bytes: String(data.length), reserved_bytes: '0' });
  });

  it('terminates an upload: data gone, reservation released, later requests 404', async () => {
    const user = t.principal();
    const { id } = await createOk(user, 5_000);
    await patch(user, id, 0, text(1_000));
    expect(t.tusFiles().filter((f) => f.startsWith(id))).toHaveLength(2);

    const del = await request(t.app).delete(`${API}/uploads/${id}`).set(TUS).set('authorization', user.auth);
    expect(del.status).toBe(204);
    expect(t.tusFiles().filter((f) => f.startsWith(id))).toEqual([]);
    expect(await t.rows('SELECT id FROM files.tus_uploads WHERE id = $1', [id])).toEqual([]);
    expect(await quotaOf(user.id)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
    expect((await head(user, id)).status).toBe(404); // HEAD: status only, no body
  });

  it('lets only the owner see, continue or terminate an upload', async () => {
    const owner = t.principal();
    const other = t.principal();
    const admin = t.principal('admin');
    const { id } = await createOk(owner, 2_000);
    await patch(owner, id, 0, text(500));
    const before = await t.snapshot();

    for (const who of [other, admin]) {
      expect((await head(who, id)).status).toBe(404);
      expectError(await patch(who, id, 500, text(500)), 404, 'BIZ_001');
      expectError(await request(t.app).delete(`${API}/uploads/${id}`).set(TUS).set('authorization', who.auth), 404, 'BIZ_001');
    }
    expect(await t.snapshot()).toEqual(before);
    expect((await head(owner, id)).headers['upload-offset']).toBe('500');
  });

  it('runs the finished bytes through the same checks as multipart: a disguised executable is refused, nothing kept', async () => {
    const user = t.principal();
    const { id } = await createOk(user, samples.exe.length);
    const res = await patch(user, id, 0, samples.exe);
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VAL_002' } });
    expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [user.id])).toEqual([]);
    expect(await t.rows('SELECT id FROM files.tus_uploads WHERE id = $1', [id])).toEqual([]);
    expect(await quotaOf(user.id)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
    expect(t.tusFiles().filter((f) => f.startsWith(id))).toEqual([]);
  });
});

describe('tus expiration', () => {
  let short: TransferTestApp;
  beforeAll(async () => { short = await startTransferTestApp({ TUS_EXPIRATION_S: '1' }); });
  afterAll(() => short.stop());

  it('answers 410 once an unfinished upload expired, and the cleanup job removes it and its reservation', async () => {
    const user = short.principal();
    const finished = await request(short.app).post(`${API}/uploads`).set(TUS).set('authorization', user.auth)
      .set('upload-length', '50').set('upload-metadata', metadata('b.txt', 'text/plain'));
    const finishedId = finished.headers.location!.split('/').pop()!;
    const done = await request(short.app).patch(`${API}/uploads/${finishedId}`).set(TUS).set('authorization', user.auth)
      .set('upload-offset', '0').set('content-type', OCTETS).send(text(50));
    expect(done.headers['x-file-id']).toEqual(expect.any(String));
    const res = await request(short.app).post(`${API}/uploads`).set(TUS).set('authorization', user.auth)
      .set('upload-length', '1000').set('upload-metadata', metadata('a.txt', 'text/plain'));
    expect(res.status).toBe(201);
    const id = res.headers.location!.split('/').pop()!;
    await request(short.app).patch(`${API}/uploads/${id}`).set(TUS).set('authorization', user.auth)
      .set('upload-offset', '0').set('content-type', OCTETS).send(text(100));
    await new Promise((r) => setTimeout(r, 1_200));

    const late = await request(short.app).patch(`${API}/uploads/${id}`).set(TUS).set('authorization', user.auth)
      .set('upload-offset', '100').set('content-type', OCTETS).send(text(100));
    expectError(late, 410, 'BIZ_001');

    const run = await short.transfers.runCleanup();
    expect(run).toMatchObject({ ran: true, expiredUploads: 1, completedUploadsForgotten: 1 });
    expect(await short.rows('SELECT id FROM files.tus_uploads WHERE id = $1', [finishedId])).toEqual([]);
    expect((await short.rows('SELECT status FROM files.files WHERE id = $1', [done.headers['x-file-id']]))[0]).toEqual({ status: 'active' });
    expect(await short.rows('SELECT id FROM files.tus_uploads WHERE id = $1', [id])).toEqual([]);
    expect(short.tusFiles().filter((f) => f.startsWith(id))).toEqual([]);
    expect((await short.rows('SELECT reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]))[0]).toEqual({ reserved_bytes: '0' });
  });
});
