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
