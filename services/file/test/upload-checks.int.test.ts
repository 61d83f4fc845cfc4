import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, samples, startTestApp, type Principal, type TestApp } from './helpers.ts';

const MAX = 100_000;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAX_UPLOAD_BYTES: String(MAX), LARGE_UPLOAD_BYTES: '50000', DEFAULT_QUOTA_BYTES: '1000000' });
});
afterAll(() => t.stop());

const post = (who: Principal) => request(t.app).post(`${API}/files`).set('authorization', who.auth);

const state = async () => ({ db: await t.snapshot(), stored: t.storedFiles() });

/** Nothing of the user's stored: no row, no bytes, no reservation left, no event. */
async function expectNothingStored(user: Principal, before: { db: unknown; stored: string[] }) {
  expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [user.id])).toEqual([]);
  expect(t.storedFiles()).toEqual(before.stored);
  const quota = await t.rows<{ used_bytes: string; reserved_bytes: string }>('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]);
  for (const q of quota) expect(q).toEqual({ used_bytes: '0', reserved_bytes: '0' });
  const after = (await t.snapshot()) as { files: unknown; outbox: unknown; links: unknown };
  const was = before.db as typeof after;
  expect(after.files).toEqual(was.files);
  expect(after.outbox).toEqual(was.outbox);
}

describe('content sniffing', () => {
  it('refuses a Windows executable disguised as a JPEG, and stores nothing', async () => {
    const user = t.principal();
    const before = await state();
    const res = await post(user).attach('file', samples.exe, { filename: 'holiday.jpg', contentType: 'image/jpeg' });
    expectError(res, 415, 'VAL_002');
    expect(res.body.error.message).toMatch(/not allowed/);
    await expectNothingStored(user, before);
  });

  it('refuses an ELF binary sent as text or as an unknown type', async () => {
    const user = t.principal();
    const before = await state();
    expectError(await post(user).attach('file', samples.elf, { filename: 'readme.txt', contentType: 'text/plain' }), 415, 'VAL_002');
    expectError(await post(user).attach('file', samples.elf, { filename: 'tool', contentType: 'application/octet-stream' }), 415, 'VAL_002');
    await expectNothingStored(user, before);
  });

  it('refuses content that is not what was declared, even when both types are allowed', async () => {
    const user = t.principal();
    const res = await post(user).attach('file', samples.png, { filename: 'doc.pdf', contentType: 'application/pdf' });
    expectError(res, 415, 'VAL_002');
    expect(res.body.error.message).toBe('The content is image/png, not the declared application/pdf');
  });

  it('refuses a declared type off the allow-list before reading the file', async () => {
    const user = t.principal();
    const res = await post(user).attach('file', Buffer.from('<script>alert(1)</script>'), { filename: 'x.html', contentType: 'text/html' });
    expectError(res, 415, 'VAL_002');
  });

  it('accepts UTF-8 text, CSV and JSON, which have no magic bytes', async () => {
    const user = t.principal();
    expect((await t.upload(user, 'name,age\nÅsa,40\n', { name: 'people.csv', type: 'text/csv' })).content_type).toBe('text/csv');
    expect((await t.upload(user, '{"a":1}', { name: 'a.json', type: 'application/json' })).content_type).toBe('application/json');
    expect((await t.upload(user, 'plain', { name: 'x.data', type: 'application/octet-stream' })).content_type).toBe('text/plain');
    expect((await t.upload(user, '', { name: 'empty.txt', type: 'text/plain' })).size).toBe(0);
  });

  it('refuses "text" with NUL bytes or invalid UTF-8, also when the bad bytes come late in the file', async () => {
    const user = t.principal();
    const before = await state();
    expectError(await post(user).attach('file', Buffer.from('abc\u0000def'), { filename: 'a.txt', contentType: 'text/plain' }), 415, 'VAL_002');
    const late = Buffer.concat([Buffer.alloc(80_000, 'a'), Buffer.from([0xc3, 0x28])]);
    expectError(await post(user).attach('file', late, { filename: 'b.csv', contentType: 'text/csv' }), 415, 'VAL_002');
    const truncatedChar = Buffer.concat([Buffer.from('ok '), Buffer.from([0xe2, 0x82])]);
    expectError(await post(user).attach('file', truncatedChar, { filename: 'c.txt', contentType: 'text/plain' }), 415, 'VAL_002');
    await expectNothingStored(user, before);
  });

  it('marks uploads over LARGE_UPLOAD_BYTES as large in file.uploaded', async () => {
    const user = t.principal();
    const file = await t.upload(user, Buffer.alloc(60_000, 'x'), { name: 'big.txt' });
    const events = await t.outbox('file.uploaded');
    expect(events.find((e) => e.envelope.data.file_id === file.id)!.envelope.data.large).toBe(true);
  });
});

describe('size limit', () => {
  it('answers 413 at once when Content-Length is already too big, storing nothing', async () => {
    const user = t.principal();
    const before = await state();
    const res = await post(user).attach('file', Buffer.alloc(1_000_000, 'a'), { filename: 'huge.txt', contentType: 'text/plain' });
    expectError(res, 413, 'REQ_413');
    await expectNothingStored(user, before);
  });

  it('answers 413 when the streamed file passes the limit, and leaves no bytes and no row', async () => {
    const user = t.principal();
    const before = await state();
    // The body is within the multipart allowance, so the limit is found while streaming.
    const res = await post(user).attach('file', Buffer.alloc(MAX + 10_000, 'a'), { filename: 'big.txt', contentType: 'text/plain' });
    expectError(res, 413, 'REQ_413');
    expect(res.body.error.details).toEqual([{ field: 'file', issue: 'too_large', max_bytes: MAX }]);
    await expectNothingStored(user, before);
  });

  it('accepts a file of exactly the limit', async () => {
    const user = t.principal();
    expect((await t.upload(user, Buffer.alloc(MAX, 'a'), { name: 'exact.txt' })).size).toBe(MAX);
  });
});

describe('file names', () => {
  it('stores a sanitised name and keeps the original as metadata', async () => {
    const user = t.principal();
    const cases: [string, string][] = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\boot.ini', 'boot.ini'],
      ['CON.txt', '_CON.txt'],
      ['.env', 'env'],
      ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ];
    for (const [raw, expected] of cases) {
      const file = await t.upload(user, 'hello', { name: raw, type: 'text/plain' });
      expect(file.name, raw).toBe(expected);
      // form-data (the test client) turns backslashes into slashes before sending.
      expect(file.original_name).toBe(raw.replace('\u202E', '').replaceAll('\\', '/'));
    }
    // Storage keys never come from names: every stored path is <2 chars>/<uuid>.
    for (const path of t.storedFiles()) expect(path).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}$/);
  });
});

describe('quota', () => {
  it('lets only the parallel uploads that fit succeed, and never passes the limit', async () => {
    const admin = t.principal('admin');
    const user = t.principal();
    const put = await request(t.app).put(`${API}/files/quotas/${user.id}`).set('authorization', admin.auth).send({ limit_bytes: 10_000 });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      post(user).attach('file', Buffer.alloc(3000, 'q'), { filename: `q${i}.txt`, contentType: 'text/plain' })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok).toHaveLength(3);
    for (const r of refused) expectError(r, 422, 'BIZ_003');
    const [quota] = await t.rows('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]);
    expect(quota).toEqual({ used_bytes: '9000', reserved_bytes: '0' });
    expect(await t.rows('SELECT id FROM files.files WHERE owner_id = $1', [user.id])).toHaveLength(3);
  });

  it('answers BIZ_003 with the bytes still available, and frees space when a file is deleted', async () => {
    const admin = t.principal('admin');
    const user = t.principal();
    await request(t.app).put(`${API}/files/quotas/${user.id}`).set('authorization', admin.auth).send({ limit_bytes: 5000 });
    const first = await t.upload(user, Buffer.alloc(3000, 'a'), { name: 'a.txt' });
    const res = await post(user).attach('file', Buffer.alloc(3000, 'b'), { filename: 'b.txt', contentType: 'text/plain' });
    expectError(res, 422, 'BIZ_003');
    expect(res.body.error.details[0]).toMatchObject({ issue: 'quota_exceeded', available_bytes: 2000 });
    expect((await request(t.app).delete(`${API}/files/${first.id}`).set('authorization', user.auth)).status).toBe(204);
    await t.upload(user, Buffer.alloc(3000, 'b'), { name: 'b.txt' });
  });
});

/** A multipart upload sent chunked (no Content-Length), as a proxy streaming a body may send it. */
async function chunkedUpload(who: Principal, content: Buffer, name: string, type: string): Promise<{ status: number; body: { error?: { code: string } } }> {
  const server = t.app.listen(0);
  const { port } = server.address() as AddressInfo;
  const boundary = 'chunked-boundary';
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest({
        port, method: 'POST', path: `${API}/files`,
        headers: { authorization: who.auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`);
      for (let i = 0; i < content.length; i += 16_384) req.write(content.subarray(i, i + 16_384));
      req.end(`\r\n--${boundary}--\r\n`);
    });
  } finally {
    server.close();
  }
}

describe('uploads without Content-Length', () => {
  it('reserves quota as the bytes arrive: a file that fits is stored, one that does not is refused with nothing left', async () => {
    const admin = t.principal('admin');
    const user = t.principal();
    await request(t.app).put(`${API}/files/quotas/${user.id}`).set('authorization', admin.auth).send({ limit_bytes: 80_000 });
    const fits = await chunkedUpload(user, Buffer.alloc(60_000, 'a'), 'fits.txt', 'text/plain');
    expect(fits.status, JSON.stringify(fits.body)).toBe(201);
    const before = await state();
    const over = await chunkedUpload(user, Buffer.alloc(30_000, 'b'), 'over.txt', 'text/plain');
    expect(over.status).toBe(422);
    expect(over.body.error?.code).toBe('BIZ_003');
    expect(await t.rows('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id])).toEqual([{ used_bytes: '60000', reserved_bytes: '0' }]);
    expect(t.storedFiles()).toEqual(before.stored);
    const { files, outbox } = (await t.snapshot()) as { files: unknown; outbox: unknown };
    expect({ files, outbox }).toEqual({ files: (before.db as { files: unknown }).files, outbox: (before.db as { outbox: unknown }).outbox });
  });

  it('lets a client that reads only after sending its whole (large) body see the 413, not a reset', async () => {
    const user = t.principal();
    const before = await state();
    const res = await chunkedUpload(user, Buffer.alloc(20 * 1024 * 1024, 'd'), 'huge.txt', 'text/plain');
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('REQ_413');
    await expectNothingStored(user, before);
  });

  it('stops a chunked body at the size limit with 413', async () => {
    const user = t.principal();
    const before = await state();
    const res = await chunkedUpload(user, Buffer.alloc(MAX + 1, 'c'), 'big.txt', 'text/plain');
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('REQ_413');
    await expectNothingStored(user, before);
  });

  it('stores a file that fills the quota exactly, although the form around it is larger', async () => {
    const admin = t.principal('admin');
    const user = t.principal();
    await request(t.app).put(`${API}/files/quotas/${user.id}`).set('authorization', admin.auth).send({ limit_bytes: 5000 });
    await t.upload(user, Buffer.alloc(5000, 'e'), { name: 'exact.txt' });
    expect(await t.rows('SELECT used_bytes, reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id])).toEqual([{ used_bytes: '5000', reserved_bytes: '0' }]);
  });
});

describe('malformed uploads', () => {
  it('refuses a form without a file field, a misnamed file field, two files, or a non-multipart body', async () => {
    const user = t.principal();
    const before = await state();
    expectError(await post(user).field('name', 'x'), 400, 'VAL_001');
    expectError(await post(user).attach('upload', Buffer.from('x'), 'a.txt'), 400, 'VAL_001');
    expectError(await post(user).attach('file', Buffer.from('one'), 'a.txt').attach('file', Buffer.from('two'), 'b.txt'), 400, 'VAL_001');
    expectError(await post(user).send({ file: 'x' }), 415, 'VAL_001');
    expectError(await post(user).set('content-type', 'multipart/form-data; boundary=zzz').send('--zzz\r\nbroken'), 400, 'VAL_001');
    await expectNothingStored(user, before);
  });

  it('cleans up after a client that disconnects half-way through a file', async () => {
    const user = t.principal();
    const before = await state();
    const server = t.app.listen(0);
    const { port } = server.address() as AddressInfo;
    const boundary = 'cut-boundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        port, method: 'POST', path: `${API}/files`,
        headers: { authorization: user.auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 90_000) },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(head);
      req.write(Buffer.alloc(70_000, 'a'), () => setTimeout(() => { req.destroy(); resolve(); }, 100));
    });
    // The server notices the closed connection on its own schedule.
    for (let i = 0; i < 50; i++) {
      const [q] = await t.rows<{ reserved_bytes: string }>('SELECT reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]);
      if ((!q || q.reserved_bytes === '0') && t.storedFiles().length === before.stored.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    server.close();
    await expectNothingStored(user, before);
  });
});
