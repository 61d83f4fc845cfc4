import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, samples, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t.stop());

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('POST /files', () => {
  it('stores a file streamed as multipart and answers with its metadata, the event and the quota', async () => {
    const user = t.principal();
    const res = await request(t.app).post(`${API}/files`).set('authorization', user.auth)
      .attach('file', samples.png, { filename: 'pixel.png', contentType: 'image/png' });

    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'pixel.png', size: samples.png.length, content_type: 'image/png', sha256: sha(samples.png), owner_id: user.id,
    });
    expect(res.body.data.created_at).toEqual(expect.any(String));
    const [row] = await t.rows('SELECT owner_id, size, status, storage_key FROM files.files WHERE id = $1', [res.body.data.id]);
    expect(row).toMatchObject({ owner_id: user.id, size: String(samples.png.length), status: 'active' });
    expect(t.storedFiles()).toContain(row!.storage_key);
    const [event] = await t.outbox('file.uploaded');
    expect(event!.envelope.data).toMatchObject({ file_id: res.body.data.id, owner_id: user.id, size: samples.png.length, large: false, content_type: 'image/png' });
    const [quota] = await t.rows('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]);
    expect(quota).toEqual({ used_bytes: String(samples.png.length), reserved_bytes: '0' });
  });

  it('refuses anonymous uploads', async () => {
    const res = await request(t.app).post(`${API}/files`).attach('file', Buffer.from('x'), 'a.txt');
    expectError(res, 401, 'AUTH_001');
  });
});

describe('GET /files', () => {
  it('lists only the caller\'s files, newest first, with pagination', async () => {
    const user = t.principal();
    const other = t.principal();
    const a = await t.upload(user, 'a', { name: 'a.txt' });
    const b = await t.upload(user, 'bb', { name: 'b.txt' });
    const c = await t.upload(user, 'ccc', { name: 'c.txt' });
    await t.upload(other, 'x', { name: 'x.txt' });

    const res = await request(t.app).get(`${API}/files?limit=2`).set('authorization', user.auth);
    expect(res.status).toBe(200);
    expect(res.body.data.map((f: { id: string }) => f.id)).toEqual([c.id, b.id]);
    expect(res.body.meta.pagination).toEqual({ limit: 2, offset: 0, total: 3, has_next: true, has_prev: false });
    const page2 = await request(t.app).get(`${API}/files?limit=2&offset=2`).set('authorization', user.auth);
    expect(page2.body.data.map((f: { id: string }) => f.id)).toEqual([a.id]);
    expect(page2.body.meta.pagination).toMatchObject({ total: 3, has_next: false, has_prev: true });
    const past = await request(t.app).get(`${API}/files?offset=10`).set('authorization', user.auth);
    expect(past.body).toMatchObject({ data: [], meta: { pagination: { total: 3 } } });
  });

  it('sorts by name or size when asked', async () => {
    const user = t.principal();
    await t.upload(user, 'long content', { name: 'b.txt' });
    await t.upload(user, 's', { name: 'a.txt' });
    const byName = await request(t.app).get(`${API}/files?sort=name&order=asc`).set('authorization', user.auth);
    expect(byName.body.data.map((f: { name: string }) => f.name)).toEqual(['a.txt', 'b.txt']);
    const bySize = await request(t.app).get(`${API}/files?sort=size&order=desc`).set('authorization', user.auth);
    expect(bySize.body.data.map((f: { name: string }) => f.name)).toEqual(['b.txt', 'a.txt']);
  });

  it('lets admins list everyone\'s files or one owner\'s; a user asking for another owner gets nothing', async () => {
    const admin = t.principal('admin');
    const user = t.principal();
    const other = t.principal();
    const mine = await t.upload(user, 'm', { name: 'm.txt' });
    await t.upload(other, 'o', { name: 'o.txt' });
    const one = await request(t.app).get(`${API}/files?owner_id=${user.id}`).set('authorization', admin.auth);
    expect(one.body.data.map((f: { id: string }) => f.id)).toEqual([mine.id]);
    const all = await request(t.app).get(`${API}/files?limit=100`).set('authorization', admin.auth);
    expect(all.body.meta.pagination.total).toBeGreaterThanOrEqual(2);
    const snoop = await request(t.app).get(`${API}/files?owner_id=${user.id}`).set('authorization', other.auth);
    expect(snoop.body).toMatchObject({ data: [], meta: { pagination: { total: 0 } } });
  });

  it('refuses bad query parameters with the error envelope', async () => {
    const user = t.principal();
    for (const q of ['limit=0', 'limit=101', 'offset=-1', 'sort=owner_id', 'order=up', 'owner_id=nope', 'color=red']) {
      const res = await request(t.app).get(`${API}/files?${q}`).set('authorization', user.auth);
      expect(res.status, q).toBeGreaterThanOrEqual(400);
      expect(res.status, q).toBeLessThan(500);
      expect(res.body).toMatchObject({ success: false, error: { code: expect.stringMatching(/^VAL_00[123]$/) } });
    }
  });
});

describe('GET /files/{id}', () => {
  it('returns the metadata with a version ETag', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'hello', { name: 'hello.txt' });
    const res = await request(t.app).get(`${API}/files/${file.id}`).set('authorization', user.auth);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body.data).toMatchObject({ id: file.id, name: 'hello.txt', size: 5, download_count: 0, last_downloaded_at: null, version: 1 });
  });

  it('answers 304 to If-None-Match with the current version, 200 once it changed', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'hello', { name: 'cached.txt' });
    const cached = await request(t.app).get(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-none-match', 'W/"1"');
    expect(cached.status).toBe(304);
    await request(t.app).patch(`${API}/files/${file.id}`).set('authorization', user.auth).send({ name: 'renamed.txt' });
    const fresh = await request(t.app).get(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-none-match', 'W/"1"');
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.name).toBe('renamed.txt');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const user = t.principal();
    expectError(await request(t.app).get(`${API}/files/00000000-0000-4000-8000-000000000000`).set('authorization', user.auth), 404, 'BIZ_001');
    expectError(await request(t.app).get(`${API}/files/not-a-uuid`).set('authorization', user.auth), 422, 'VAL_002');
  });
});

describe('PATCH /files/{id}', () => {
  it('renames with a sanitised name, bumps the version and keeps the original name', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'hello', { name: 'hello.txt' });
    const res = await request(t.app).patch(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-match', 'W/"1"')
      .send({ name: '../secret/CON.txt' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ name: '_CON.txt', original_name: 'hello.txt', version: 2 });
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('answers 412 to a stale If-Match and leaves the name as it was', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'hello', { name: 'keep.txt' });
    await request(t.app).patch(`${API}/files/${file.id}`).set('authorization', user.auth).send({ name: 'v2.txt' });
    const before = await t.snapshot();
    for (const tag of ['W/"1"', '"1"', 'garbage']) {
      expectError(await request(t.app).patch(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-match', tag).send({ name: 'v3.txt' }), 412, 'BIZ_002');
    }
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses bad bodies with the envelope and changes nothing', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'hello', { name: 'same.txt' });
    const before = await t.snapshot();
    const patch = () => request(t.app).patch(`${API}/files/${file.id}`).set('authorization', user.auth);
    expectError(await patch().send({}), 400, 'VAL_001');
    expectError(await patch().send({ name: '' }), 422, 'VAL_003');
    expectError(await patch().send({ name: '   ' }), 422, 'VAL_003');
    expectError(await patch().send({ name: 42 }), 400, 'VAL_001');
    expectError(await patch().send({ name: 'x.txt', owner_id: t.principal().id }), 400, 'VAL_001');
    expectError(await patch().send({ name: 'x'.repeat(2000) }), 422, 'VAL_003');
    expectError(await patch().set('content-type', 'application/json').send('{"name":'), 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('DELETE /files/{id}', () => {
  it('soft-deletes: 204, gone from reads, quota freed, file.deleted written, bytes kept for the purge job', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'bye bye', { name: 'bye.txt' });
    const [row] = await t.rows<{ storage_key: string }>('SELECT storage_key FROM files.files WHERE id = $1', [file.id]);
    const storage_key = row!.storage_key;
    const res = await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth);
    expect(res.status).toBe(204);
    expectError(await request(t.app).get(`${API}/files/${file.id}`).set('authorization', user.auth), 404, 'BIZ_001');
    expectError(await request(t.app).get(`${API}/files/${file.id}/content`).set('authorization', user.auth), 404, 'BIZ_001');
    expectError(await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth), 404, 'BIZ_001');
    const list = await request(t.app).get(`${API}/files`).set('authorization', user.auth);
    expect(list.body.data).toEqual([]);
    expect(await t.rows('SELECT status, deleted_at IS NOT NULL AS deleted, purged_at FROM files.files WHERE id = $1', [file.id]))
      .toEqual([{ status: 'deleted', deleted: true, purged_at: null }]);
    expect(await t.rows('SELECT used_bytes FROM files.quotas WHERE user_id = $1', [user.id])).toEqual([{ used_bytes: '0' }]);
    const events = await t.outbox('file.deleted');
    expect(events.find((e) => e.envelope.data.file_id === file.id)!.envelope.data).toEqual({ file_id: file.id, owner_id: user.id, deleted_by: user.id });
    expect(t.storedFiles()).toContain(storage_key);
  });

  it('honours If-Match', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'x', { name: 'x.txt' });
    expectError(await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-match', 'W/"7"'), 412, 'BIZ_002');
    expect((await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth).set('if-match', 'W/"1"')).status).toBe(204);
  });
});
