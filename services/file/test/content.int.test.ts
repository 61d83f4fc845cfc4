import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, samples, startTestApp, type Principal, type TestApp, type UploadedJson } from './helpers.ts';

let t: TestApp;
let user: Principal;
let text: UploadedJson;
const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

beforeAll(async () => {
  t = await startTestApp();
  user = t.principal();
  text = await t.upload(user, CONTENT, { name: 'alphabet.txt', type: 'text/plain' });
});
afterAll(() => t.stop());

const get = (id: string, who: Principal = user) =>
  request(t.app).get(`${API}/files/${id}/content`).set('authorization', who.auth).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
const downloads = async (id: string) =>
  (await t.rows<{ n: string }>('SELECT download_count AS n FROM files.files WHERE id = $1', [id]))[0]!.n;

describe('GET /files/{id}/content', () => {
  it('sends the whole file with ETag = sha256, a safe attachment disposition and nosniff', async () => {
    const res = await get(text.id);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, CONTENT)).toBe(0);
    expect(res.headers).toMatchObject({
      etag: `"${createHash('sha256').update(CONTENT).digest('hex')}"`,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '1000',
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      'content-disposition': `attachment; filename="alphabet.txt"; filename*=UTF-8''alphabet.txt`,
      'cache-control': 'private, no-cache',
    });
    expect(res.headers['content-security-policy']).toContain('sandbox');
  });

  it('serves binary files with their sniffed type and an RFC 6266 name for non-ASCII names', async () => {
    const png = await t.upload(user, samples.png, { name: 'Übersicht (1).png', type: 'image/png' });
    const res = await get(png.id);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="_bersicht (1).png"; filename*=UTF-8''%C3%9Cbersicht%20%281%29.png`);
    expect(Buffer.compare(res.body as Buffer, samples.png)).toBe(0);
  });

  it('answers a closed, an open and a suffix range with 206 and Content-Range', async () => {
    const closed = await get(text.id).set('range', 'bytes=0-9');
    expect(closed.status).toBe(206);
    expect(closed.headers['content-range']).toBe('bytes 0-9/1000');
    expect(closed.headers['content-length']).toBe('10');
    expect((closed.body as Buffer).toString()).toBe('abcdefghij');

    const open = await get(text.id).set('range', 'bytes=990-');
    expect(open.status).toBe(206);
    expect(open.headers['content-range']).toBe('bytes 990-999/1000');
    expect((open.body as Buffer).toString()).toBe(CONTENT.subarray(990).toString());

    const suffix = await get(text.id).set('range', 'bytes=-4');
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe('bytes 996-999/1000');
    expect((suffix.body as Buffer).toString()).toBe(CONTENT.subarray(996).toString());

    const past = await get(text.id).set('range', 'bytes=995-5000');
    expect(past.headers['content-range']).toBe('bytes 995-999/1000');
  });

  it('answers 416 with bytes */size for an unsatisfiable range', async () => {
    const res = await request(t.app).get(`${API}/files/${text.id}/content`).set('authorization', user.auth).set('range', 'bytes=1000-');
    expectError(res, 416, 'VAL_003');
    expect(res.headers['content-range']).toBe('bytes */1000');
  });

  it('sends the whole file for a malformed range, several ranges, or an If-Range that no longer matches', async () => {
    for (const range of ['bytes=abc', 'bytes=0-1,5-6', 'lines=1-2']) {
      const res = await get(text.id).set('range', range);
      expect(res.status, range).toBe(200);
      expect((res.body as Buffer).length).toBe(1000);
    }
    const stale = await get(text.id).set('range', 'bytes=0-1').set('if-range', '"0000"');
    expect(stale.status).toBe(200);
    const fresh = await get(text.id).set('range', 'bytes=0-1').set('if-range', `"${text.sha256}"`);
    expect(fresh.status).toBe(206);
  });

  it('answers 304 without a body when If-None-Match carries the ETag (weak, listed or *)', async () => {
    for (const tag of [`"${text.sha256}"`, `W/"${text.sha256}"`, `"other", "${text.sha256}"`, '*']) {
      const res = await get(text.id).set('if-none-match', tag);
      expect(res.status, tag).toBe(304);
      expect(res.headers.etag).toBe(`"${text.sha256}"`);
      expect((res.body as Buffer).length).toBe(0);
    }
    expect((await get(text.id).set('if-none-match', '"stale"')).status).toBe(200);
  });

  it('counts downloads of the whole file or from byte 0, not 304s, later ranges or HEAD', async () => {
    const file = await t.upload(user, CONTENT, { name: 'count.txt' });
    await get(file.id);
    await get(file.id).set('range', 'bytes=0-99');
    await get(file.id).set('range', 'bytes=100-199');
    await get(file.id).set('if-none-match', `"${file.sha256}"`);
    const head = await request(t.app).head(`${API}/files/${file.id}/content`).set('authorization', user.auth);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    expect(await downloads(file.id)).toBe('2');
    const meta = await request(t.app).get(`${API}/files/${file.id}`).set('authorization', user.auth);
    expect(meta.body.data.download_count).toBe(2);
    expect(Date.parse(meta.body.data.last_downloaded_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('streams a file larger than a read chunk intact', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), big]);
    const file = await t.upload(user, zip, { name: 'data.bin', type: 'application/octet-stream' });
    expect(file.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
    const res = await get(file.id);
    expect(createHash('sha256').update(res.body as Buffer).digest('hex')).toBe(file.sha256);
  });
});
