import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type Principal, type TestApp } from './helpers.ts';

let t: TestApp;
let owner: Principal;
let other: Principal;
let admin: Principal;
let service: Principal;
beforeAll(async () => {
  t = await startTestApp();
  owner = t.principal();
  other = t.principal();
  admin = t.principal('admin');
  service = t.principal('service');
});
afterAll(() => t.stop());

type Call = { label: string; run: (id: string, who?: Principal) => request.Test };
const withAuth = (req: request.Test, who?: Principal) => (who ? req.set('authorization', who.auth) : req);
const calls: Call[] = [
  { label: 'GET /files/{id}', run: (id, who) => withAuth(request(t.app).get(`${API}/files/${id}`), who) },
  { label: 'GET /files/{id}/content', run: (id, who) => withAuth(request(t.app).get(`${API}/files/${id}/content`), who) },
  { label: 'PATCH /files/{id}', run: (id, who) => withAuth(request(t.app).patch(`${API}/files/${id}`), who).send({ name: 'renamed.txt' }) },
  { label: 'DELETE /files/{id}', run: (id, who) => withAuth(request(t.app).delete(`${API}/files/${id}`), who) },
];

describe('who may touch a file', () => {
  it('hides a file from other users (404 on every route) and changes nothing', async () => {
    const file = await t.upload(owner, 'private', { name: 'private.txt' });
    const before = await t.snapshot();
    for (const call of calls) expectError(await call.run(file.id, other), 404, 'BIZ_001');
    const list = await request(t.app).get(`${API}/files`).set('authorization', other.auth);
    expect(list.body.data).toEqual([]);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses anonymous callers with 401 on every route, uploads and lists included', async () => {
    const file = await t.upload(owner, 'private', { name: 'private.txt' });
    const before = await t.snapshot();
    for (const call of calls) expectError(await call.run(file.id), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/files`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/files/quotas/me`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/files/${file.id}`).set('authorization', 'Bearer not.a.token'), 401, 'AUTH_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses an expired token with AUTH_002 and a token from an unknown key with AUTH_001', async () => {
    const file = await t.upload(owner, 'private', { name: 'private.txt' });
    const expired = t.mint.mint({ sub: owner.id, role: 'user', expiresInS: -60 });
    expectError(await request(t.app).get(`${API}/files/${file.id}`).set('authorization', `Bearer ${expired}`), 401, 'AUTH_002');
    const forged = (await import('./helpers.ts')).createTokenMint().mint({ sub: owner.id, role: 'user' });
    expectError(await request(t.app).get(`${API}/files/${file.id}`).set('authorization', `Bearer ${forged}`), 401, 'AUTH_001');
  });

  it('refuses service accounts (403): files belong to end users', async () => {
    const file = await t.upload(owner, 'private', { name: 'private.txt' });
    const before = await t.snapshot();
    for (const call of calls) expectError(await call.run(file.id, service), 403, 'AUTH_003');
    expectError(await request(t.app).post(`${API}/files`).set('authorization', service.auth).attach('file', Buffer.from('x'), 'x.txt'), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });

  it('lets the owner and an admin read, rename and delete', async () => {
    for (const who of [owner, admin]) {
      const file = await t.upload(owner, 'shared', { name: 'shared.txt' });
      expect((await calls[0]!.run(file.id, who)).status).toBe(200);
      const content = await calls[1]!.run(file.id, who);
      expect(content.status).toBe(200);
      expect(content.text).toBe('shared');
      const renamed = await calls[2]!.run(file.id, who);
      expect(renamed.status).toBe(200);
      expect(renamed.body.data).toMatchObject({ name: 'renamed.txt', owner_id: owner.id });
      expect((await calls[3]!.run(file.id, who)).status).toBe(204);
    }
    const [row] = await t.rows<{ updated_by: string }>(`SELECT updated_by FROM files.files WHERE owner_id = $1 AND status = 'deleted' ORDER BY deleted_at DESC LIMIT 1`, [owner.id]);
    expect(row!.updated_by).toBe(admin.id);
  });
});

describe('quotas', () => {
  it('shows users their own quota, admins anyone\'s, and refuses other users', async () => {
    const user = t.principal();
    await t.upload(user, 'abc', { name: 'a.txt' });
    const mine = await request(t.app).get(`${API}/files/quotas/me`).set('authorization', user.auth);
    expect(mine.body.data).toEqual({
      user_id: user.id, limit_bytes: null, effective_limit_bytes: t.config.DEFAULT_QUOTA_BYTES, used_bytes: 3, reserved_bytes: 0,
      available_bytes: t.config.DEFAULT_QUOTA_BYTES - 3,
    });
    expect((await request(t.app).get(`${API}/files/quotas/${user.id}`).set('authorization', user.auth)).body.data.used_bytes).toBe(3);
    expect((await request(t.app).get(`${API}/files/quotas/${user.id}`).set('authorization', admin.auth)).body.data.used_bytes).toBe(3);
    expectError(await request(t.app).get(`${API}/files/quotas/${user.id}`).set('authorization', other.auth), 403, 'AUTH_003');
  });

  it('lets only admins set a limit, back to the default with null; bad bodies change nothing', async () => {
    const user = t.principal();
    const put = (who: Principal, body: unknown) => request(t.app).put(`${API}/files/quotas/${user.id}`).set('authorization', who.auth).send(body as object);
    const before = await t.snapshot();
    expectError(await put(user, { limit_bytes: 10 ** 12 }), 403, 'AUTH_003');
    expectError(await put(other, { limit_bytes: 10 ** 12 }), 403, 'AUTH_003');
    expectError(await request(t.app).put(`${API}/files/quotas/${user.id}`).send({ limit_bytes: 1 }), 401, 'AUTH_001');
    expectError(await put(admin, {}), 400, 'VAL_001');
    expectError(await put(admin, { limit_bytes: -1 }), 422, 'VAL_003');
    expectError(await put(admin, { limit_bytes: 1.5 }), 400, 'VAL_001');
    expectError(await put(admin, { limit_bytes: '100' }), 400, 'VAL_001');
    expectError(await put(admin, { limit_bytes: 100, used_bytes: 0 }), 400, 'VAL_001');
    expectError(await request(t.app).put(`${API}/files/quotas/not-a-uuid`).set('authorization', admin.auth).send({ limit_bytes: 1 }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);

    const set = await put(admin, { limit_bytes: 2048 });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({ user_id: user.id, limit_bytes: 2048, effective_limit_bytes: 2048 });
    const reset = await put(admin, { limit_bytes: null });
    expect(reset.body.data).toMatchObject({ limit_bytes: null, effective_limit_bytes: t.config.DEFAULT_QUOTA_BYTES });
  });
});
