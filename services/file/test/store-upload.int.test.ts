import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeUpload } from '../src/usecases/store-upload.ts';
import { samples, startTestApp, type TestApp } from './helpers.ts';

// The finishing step as tus calls it: a body of a declared exact size, with bytes reserved beforehand.
let t: TestApp;
beforeAll(async () => { t = await startTestApp({ DEFAULT_QUOTA_BYTES: '100000' }); });
afterAll(() => t.stop());

const quota = async (userId: string) => (await t.rows('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [userId]))[0];

async function reserved(userId: string, bytes: number) {
  expect(await t.deps.quotas.reserve(t.db.pool, userId, bytes, t.config.DEFAULT_QUOTA_BYTES)).toBe(true);
}

describe('storeUpload with an exact size and a reservation made by the caller', () => {
  it('records the file and turns the caller\'s reservation into used bytes', async () => {
    const owner = t.principal().id;
    await reserved(owner, samples.pdf.length);
    const file = await storeUpload(t.deps, {
      ownerId: owner, actorId: owner, body: Readable.from([samples.pdf]), name: 'doc.pdf', contentType: 'application/pdf',
      exactSize: samples.pdf.length, reservedBytes: samples.pdf.length,
    });
    expect(file).toMatchObject({ ownerId: owner, size: samples.pdf.length, contentType: 'application/pdf', name: 'doc.pdf' });
    expect(await quota(owner)).toEqual({ used_bytes: String(samples.pdf.length), reserved_bytes: '0' });
  });

  it('refuses a body shorter or longer than declared, releasing the reservation and storing nothing', async () => {
    const owner = t.principal().id;
    const stored = t.storedFiles();
    for (const body of [Buffer.from('short'), Buffer.from('much longer than declared')]) {
      await reserved(owner, 10);
      await expect(storeUpload(t.deps, {
        ownerId: owner, actorId: owner, body: Readable.from([body]), name: 'a.txt', contentType: 'text/plain', exactSize: 10, reservedBytes: 10,
      })).rejects.toMatchObject({ code: 'VAL_001' });
      expect(await quota(owner)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
    }
    expect(t.storedFiles()).toEqual(stored);
    expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [owner])).toEqual([]);
  });

  it('releases the reservation when the body fails half-way', async () => {
    const owner = t.principal().id;
    await reserved(owner, 50_000);
    const body = new Readable({ read() {} });
    const done = storeUpload(t.deps, { ownerId: owner, actorId: owner, body, name: 'a.txt', contentType: 'text/plain', exactSize: 50_000, reservedBytes: 50_000 });
    body.push(Buffer.alloc(30_000, 'a'));
    setTimeout(() => body.destroy(new Error('connection lost')), 20);
    await expect(done).rejects.toThrow('connection lost');
    expect(await quota(owner)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
  });

  it('refuses an exact size over the limit or over the quota before reading', async () => {
    const owner = t.principal().id;
    await expect(storeUpload(t.deps, {
      ownerId: owner, actorId: owner, body: Readable.from([Buffer.from('x')]), name: 'a.txt', exactSize: t.config.MAX_UPLOAD_BYTES + 1,
    })).rejects.toMatchObject({ code: 'REQ_413' });
    await expect(storeUpload(t.deps, {
      ownerId: owner, actorId: owner, body: Readable.from([Buffer.from('x')]), name: 'a.txt', exactSize: 200_000,
    })).rejects.toMatchObject({ code: 'BIZ_003' });
    expect(await quota(owner)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
  });
});

describe('reservation leases (uploads whose process died)', () => {
  it('gives back an expired lease when the user reserves again, and keeps a live one', async () => {
    const user = t.principal();
    const q = t.deps.quotas;
    // A process that died mid-upload left 60 000 bytes reserved under a lease that has expired,
    // and a live upload holds 30 000 under a lease that has not.
    expect(await q.reserve(t.db.pool, user.id, 30_000, 100_000, { id: randomUUID(), ttlMs: 600_000 })).toBe(true);
    expect(await q.reserve(t.db.pool, user.id, 60_000, 100_000, { id: randomUUID(), ttlMs: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await quota(user.id)).toEqual({ used_bytes: '0', reserved_bytes: '90000' });

    const file = await t.upload(user, Buffer.alloc(50_000, 'x'), { name: 'fits-after-reclaim.txt' });
    expect(file.size).toBe(50_000);
    expect(await quota(user.id)).toEqual({ used_bytes: '50000', reserved_bytes: '30000' });
    expect(await t.rows('SELECT bytes FROM files.quota_reservations WHERE user_id = $1', [user.id])).toEqual([{ bytes: '30000' }]);
  });

  it('reclaims every expired lease in one sweep, once', async () => {
    const a = t.principal().id;
    const b = t.principal().id;
    for (const id of [a, b]) expect(await t.deps.quotas.reserve(t.db.pool, id, 1000, 100_000, { id: randomUUID(), ttlMs: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await t.deps.quotas.reclaimExpired(t.db.pool)).toBeGreaterThanOrEqual(2);
    expect(await t.deps.quotas.reclaimExpired(t.db.pool)).toBe(0);
    for (const id of [a, b]) expect(await quota(id)).toEqual({ used_bytes: '0', reserved_bytes: '0' });
  });

  it('leaves no lease behind after uploads that succeed or fail', async () => {
    const user = t.principal();
    await t.upload(user, 'fine', { name: 'ok.txt' });
    await expect(storeUpload(t.deps, {
      ownerId: user.id, actorId: user.id, body: Readable.from([samples.exe]), name: 'x.jpg', contentType: 'image/jpeg', expectedSize: samples.exe.length,
    })).rejects.toMatchObject({ code: 'VAL_002' });
    expect(await t.rows('SELECT id FROM files.quota_reservations WHERE user_id = $1', [user.id])).toEqual([]);
    expect(await quota(user.id)).toEqual({ used_bytes: '4', reserved_bytes: '0' });
  });
});
