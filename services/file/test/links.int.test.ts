import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../src/domain/signed-link.ts';
import { API, expectError, TEST_LINK_SECRET, type Principal } from './helpers.ts';
import { startTransferTestApp, type TransferTestApp } from './transfer-helpers.ts';

let t: TransferTestApp;
beforeAll(async () => { t = await startTransferTestApp(); });
afterAll(() => t.stop());

const CONTENT = 'shared with a signed link\n';

/** The path and query of a link URL, to call the app directly (the URL itself points at the gateway). */
function localPath(url: string): string {
  const u = new URL(url);
  return `${API}${u.pathname.slice(u.pathname.indexOf('/public/files/'))}${u.search}`;
}

async function createLink(who: Principal, fileId: string, expiresIn: number) {
  return request(t.app).post(`${API}/files/${fileId}/links`).set('authorization', who.auth).send({ expires_in: expiresIn });
}

async function linkFor(who: Principal, fileId: string, expiresIn = 600) {
  const res = await createLink(who, fileId, expiresIn);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; url: string; expires_at: string };
}

describe('POST /files/{id}/links', () => {
  it('gives the owner a signed URL on the public gateway route, valid for the time asked', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const before = Date.now();
    const link = await linkFor(owner, file.id, 3600);
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(`http://127.0.0.1:8000/KONGAPI/api/v1/public/files/${file.id}/content`);
    expect([...url.searchParams.keys()].sort()).toEqual(['expires', 'link', 'signature']);
    expect(url.searchParams.get('link')).toBe(link.id);
    const expires = Number(url.searchParams.get('expires'));
    expect(expires * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
    expect(new Date(link.expires_at).getTime()).toBe(expires * 1000);
    const [row] = await t.rows('SELECT file_id, created_by, revoked_at FROM files.links WHERE id = $1', [link.id]);
    expect(row).toEqual({ file_id: file.id, created_by: owner.id, revoked_at: null });
  });

  it('lets an admin create one for anyone\'s file', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    await linkFor(t.principal('admin'), file.id);
  });

  it('refuses another user (404, as for the file) and anonymous callers, recording nothing', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const before = await t.snapshot();
    expectError(await createLink(t.principal(), file.id, 600), 404, 'BIZ_001');
    expectError(await request(t.app).post(`${API}/files/${file.id}/links`).send({ expires_in: 600 }), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a lifetime over 7 days (VAL_003), a bad body (VAL_001) and a missing file (404)', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const before = await t.snapshot();
    expectError(await createLink(owner, file.id, 7 * 24 * 3600 + 1), 422, 'VAL_003');
    expectError(await createLink(owner, file.id, 0), 422, 'VAL_003');
    expectError(await request(t.app).post(`${API}/files/${file.id}/links`).set('authorization', owner.auth).send({ expires_in: '600' }), 400, 'VAL_001');
    expectError(await request(t.app).post(`${API}/files/${file.id}/links`).set('authorization', owner.auth).send({ expires_in: 60, extra: 1 }), 400, 'VAL_001');
    expectError(await createLink(owner, '7d5d5a0e-7b55-4c39-9d3c-1a63b1b2a0aa', 600), 404, 'BIZ_001');
    expect(await t.snapshot()).toEqual(before);
    await linkFor(owner, file.id, 7 * 24 * 3600);
  });
});

describe('GET /public/files/{id}/content', () => {
  it('serves the file without a token, with Range and the download headers', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT, { name: 'shared.txt' });
    const link = await linkFor(owner, file.id);
    const res = await request(t.app).get(localPath(link.url));
    expect(res.status).toBe(200);
    expect(res.text).toBe(CONTENT);
    expect(res.headers['content-disposition']).toContain('shared.txt');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const part = await request(t.app).get(localPath(link.url)).set('range', 'bytes=0-5');
    expect(part.status).toBe(206);
    expect(part.text).toBe(CONTENT.slice(0, 6));
    const [row] = await t.rows<{ download_count: string }>('SELECT download_count FROM files.files WHERE id = $1', [file.id]);
    expect(Number(row!.download_count)).toBe(2);
  });

  it('answers 403 when the file id, expiry, link id or signature was changed', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const otherFile = await t.upload(owner, 'another file\n');
    const link = await linkFor(owner, file.id);
    const url = new URL(link.url);
    const sig = url.searchParams.get('signature')!;
    const variants: string[] = [];
    const withParam = (name: string, value: string) => {
      const u = new URL(url);
      u.searchParams.set(name, value);
      return localPath(u.toString());
    };
    variants.push(localPath(link.url).replace(file.id, otherFile.id));
    variants.push(withParam('expires', String(Number(url.searchParams.get('expires')) + 1)));
    variants.push(withParam('link', '7d5d5a0e-7b55-4c39-9d3c-1a63b1b2a0aa'));
    variants.push(withParam('signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`));
    variants.push(withParam('signature', sig.slice(0, -1)));
    variants.push(withParam('expires', 'soon'));
    variants.push(localPath(link.url).replace(/&?signature=[^&]*/, ''));
    for (const path of variants) expectError(await request(t.app).get(path), 403, 'AUTH_003');
    expect((await request(t.app).get(localPath(link.url))).status).toBe(200);
  });

  it('answers 403 once the link expired, even with a valid signature', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const link = await linkFor(owner, file.id, 600);
    // A link whose expiry already passed, signed with the right key: only the clock refuses it.
    const expires = Math.floor(Date.now() / 1000) - 1;
    const signature = signLink(TEST_LINK_SECRET, { fileId: file.id, linkId: link.id, expires });
    const res = await request(t.app).get(`${API}/public/files/${file.id}/content`).query({ expires, link: link.id, signature });
    expectError(res, 403, 'AUTH_003');
  });

  it('answers 403 after the link was revoked, and after the file was deleted', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const revoked = await linkFor(owner, file.id);
    const kept = await linkFor(owner, file.id);
    const del = await request(t.app).delete(`${API}/files/${file.id}/links/${revoked.id}`).set('authorization', owner.auth);
    expect(del.status).toBe(204);
    expectError(await request(t.app).get(localPath(revoked.url)), 403, 'AUTH_003');
    expect((await request(t.app).get(localPath(kept.url))).status).toBe(200);

    expect((await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', owner.auth)).status).toBe(204);
    expectError(await request(t.app).get(localPath(kept.url)), 403, 'AUTH_003');
  });
});

describe('GET and DELETE /files/{id}/links', () => {
  it('lists a file\'s links with their state for the owner and admins, and lets them revoke', async () => {
    const owner = t.principal();
    const file = await t.upload(owner, CONTENT);
    const a = await linkFor(owner, file.id);
    const b = await linkFor(owner, file.id);
    const admin = t.principal('admin');
    expect((await request(t.app).delete(`${API}/files/${file.id}/links/${a.id}`).set('authorization', admin.auth)).status).toBe(204);

    const list = await request(t.app).get(`${API}/files/${file.id}/links`).set('authorization', owner.auth);
    expect(list.status).toBe(200);
    expect(list.body.meta.pagination).toMatchObject({ total: 2, limit: 20, offset: 0 });
    const byId = Object.fromEntries(list.body.data.map((l: { id: string; status: string }) => [l.id, l.status]));
    expect(byId).toEqual({ [a.id]: 'revoked', [b.id]: 'active' });
    expect(list.body.data[0]).not.toHaveProperty('signature');
  });

  it('hides a file\'s links from other users and refuses their revocations', async () => {
    const owner = t.principal();
    const other = t.principal();
    const file = await t.upload(owner, CONTENT);
    const link = await linkFor(owner, file.id);
    const before = await t.snapshot();
    expectError(await request(t.app).get(`${API}/files/${file.id}/links`).set('authorization', other.auth), 404, 'BIZ_001');
    expectError(await request(t.app).delete(`${API}/files/${file.id}/links/${link.id}`).set('authorization', other.auth), 404, 'BIZ_001');
    expectError(await request(t.app).delete(`${API}/files/${file.id}/links/7d5d5a0e-7b55-4c39-9d3c-1a63b1b2a0aa`).set('authorization', owner.auth), 404, 'BIZ_001');
    expect(await t.snapshot()).toEqual(before);
  });
});
