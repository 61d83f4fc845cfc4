import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, bearer, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t.stop());

const SECRET = 'Bearer super-secret-token-value-123';

const restJson = (name = `hr-${Math.random().toString(36).slice(2, 8)}`) => ({
  name,
  provider: 'rest-json',
  settings: {
    url: 'https://hr.example.com/api/people',
    records_path: 'data',
    pagination: { type: 'page' },
    mapping: { external_id: 'id', email: 'work_email', display_name: 'name' },
  },
  secrets: { auth_value: SECRET },
  schedule: '0 3 * * *',
});

const create = (body: unknown, token = t.admin) =>
  request(t.app).post(`${API}/admin/sync/connections`).set('authorization', bearer(token)).send(body as object);

describe('POST /admin/sync/connections', () => {
  it('creates a connection, encrypts its secrets and never returns them', async () => {
    const res = await create(restJson('HR system'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body.data).toMatchObject({
      name: 'HR system', provider: 'rest-json', has_secrets: true, secret_keys: ['auth_value'], schedule: '0 3 * * *', enabled: true, version: 1,
    });
    expect(res.body.data.settings).toMatchObject({ auth_header: 'authorization', pagination: { type: 'page', param: 'page', size_param: 'per_page', start: 1 } });
    expect(JSON.stringify(res.body)).not.toContain('super-secret');

    const [row] = await t.rows<{ secrets_encrypted: string; settings: unknown }>('SELECT secrets_encrypted, settings FROM sync.connections WHERE id = $1', [res.body.data.id]);
    expect(row!.secrets_encrypted).toMatch(/^v1\./);
    expect(row!.secrets_encrypted).not.toContain('super-secret');
    expect(t.deps.secrets.open(row!.secrets_encrypted)).toEqual({ auth_value: SECRET });

    const read = await request(t.app).get(`${API}/admin/sync/connections/${res.body.data.id}`).set('authorization', bearer(t.admin));
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('super-secret');
    const list = await request(t.app).get(`${API}/admin/sync/connections?limit=100`).set('authorization', bearer(t.admin));
    expect(list.body.meta.pagination).toMatchObject({ limit: 100, offset: 0 });
    expect(JSON.stringify(list.body)).not.toContain('super-secret');
    expect(t.logs.some((l) => l.includes('"message":"request"'))).toBe(true);
    expect(t.logs.join('\n')).not.toContain('super-secret');
  });

  it.each([
    ['an unknown provider', { ...restJson(), provider: 'ldap' }, 422, 'VAL_002'],
    ['an unknown field', { ...restJson(), owner: 'x' }, 400, 'VAL_001'],
    ['a missing name', { ...restJson(), name: undefined }, 400, 'VAL_001'],
    ['a bad cron pattern', { ...restJson(), schedule: 'every day' }, 422, 'VAL_002'],
    ['settings without a mapped email', { ...restJson(), settings: { url: 'https://x.example.com', mapping: { external_id: 'id' } } }, 422, 'VAL_002'],
    ['settings with a non-http url', { ...restJson(), settings: { url: 'file:///etc/passwd', mapping: { external_id: 'id', email: 'e' } } }, 422, 'VAL_002'],
    ['an unknown settings field', { ...restJson(), settings: { ...restJson().settings, extra: 1 } }, 422, 'VAL_002'],
    ['a secret the provider does not take', { ...restJson(), secrets: { password: 'x' } }, 422, 'VAL_002'],
    ['a csv file id that is not a uuid', { name: 'csv', provider: 'csv', settings: { file_id: 'nope', mapping: { external_id: 'id', email: 'email' } } }, 422, 'VAL_002'],
  ])('refuses %s and stores nothing', async (_label, body, status, code) => {
    const before = await t.snapshot();
    expectError(await create(body), status, code);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a second connection with the same name (409) and stores nothing', async () => {
    await create(restJson('Same name'));
    const before = await t.snapshot();
    expectError(await create(restJson('same NAME')), 409, 'BIZ_002');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('PATCH and DELETE /admin/sync/connections/:id', () => {
  it('replaces one secret, keeps the others hidden and bumps the version', async () => {
    const created = (await create({ name: 'canvas-1', provider: 'canvas', settings: { base_url: 'https://canvas.example.com' }, secrets: { token: 'old-canvas-token' } })).body.data;
    const res = await request(t.app).patch(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin))
      .set('if-match', '"1"').send({ secrets: { token: 'new-canvas-token' }, enabled: false });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ version: 2, enabled: false, has_secrets: true, secret_keys: ['token'] });
    expect(JSON.stringify(res.body)).not.toMatch(/canvas-token/);
    const [row] = await t.rows<{ secrets_encrypted: string }>('SELECT secrets_encrypted FROM sync.connections WHERE id = $1', [created.id]);
    expect(t.deps.secrets.open(row!.secrets_encrypted)).toEqual({ token: 'new-canvas-token' });

    const removed = await request(t.app).patch(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin)).send({ secrets: { token: null } });
    expect(removed.body.data).toMatchObject({ has_secrets: false, secret_keys: [], version: 3 });
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const created = (await create(restJson())).body.data;
    const before = await t.snapshot();
    const res = await request(t.app).patch(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin))
      .set('if-match', '"7"').send({ name: 'renamed' });
    expectError(res, 412, 'BIZ_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses bad patches and changes nothing', async () => {
    const created = (await create(restJson())).body.data;
    const before = await t.snapshot();
    const patch = (body: object) => request(t.app).patch(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin)).send(body);
    expectError(await patch({ provider: 'csv' }), 400, 'VAL_001');
    expectError(await patch({ schedule: '61 * * * *' }), 422, 'VAL_002');
    expectError(await patch({ settings: { url: 'nope' } }), 422, 'VAL_002');
    expectError(await patch({ secrets: { token: 'x' } }), 422, 'VAL_002');
    expectError(await request(t.app).patch(`${API}/admin/sync/connections/not-a-uuid`).set('authorization', bearer(t.admin)).send({ name: 'x' }), 422, 'VAL_002');
    expectError(await request(t.app).patch(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin)).set('if-match', 'v1').send({ name: 'x' }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('deletes softly: 204, then 404, secrets wiped', async () => {
    const created = (await create(restJson())).body.data;
    const del = await request(t.app).delete(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin));
    expect(del.status).toBe(204);
    expectError(await request(t.app).get(`${API}/admin/sync/connections/${created.id}`).set('authorization', bearer(t.admin)), 404, 'BIZ_001');
    const [row] = await t.rows<{ secrets_encrypted: string | null; deleted_at: Date | null }>('SELECT secrets_encrypted, deleted_at FROM sync.connections WHERE id = $1', [created.id]);
    expect(row).toMatchObject({ secrets_encrypted: null, deleted_at: expect.any(Date) });
  });
});

describe('access', () => {
  const routes = (id: string) => [
    ['get', '/admin/sync/connections'],
    ['post', '/admin/sync/connections'],
    ['get', `/admin/sync/connections/${id}`],
    ['patch', `/admin/sync/connections/${id}`],
    ['delete', `/admin/sync/connections/${id}`],
    ['post', `/admin/sync/connections/${id}/run`],
    ['post', `/admin/sync/connections/${id}/preview`],
    ['get', '/admin/sync/jobs'],
    ['get', `/admin/sync/jobs/${id}`],
    ['get', `/admin/sync/jobs/${id}/errors`],
    ['get', `/admin/sync/jobs/${id}/events`],
    ['post', `/admin/sync/jobs/${id}/cancel`],
  ] as const;

  it('lets only admins in: 401 without a token, 403 for users and service accounts, nothing changed', async () => {
    const created = (await create(restJson())).body.data;
    const before = await t.snapshot();
    for (const [method, path] of routes(created.id)) {
      expectError(await request(t.app)[method](`${API}${path}`).send({}), 401, 'AUTH_001');
      expectError(await request(t.app)[method](`${API}${path}`).set('authorization', 'Bearer not-a-jwt').send({}), 401, 'AUTH_001');
      expectError(await request(t.app)[method](`${API}${path}`).set('authorization', bearer(t.token('user'))).send({}), 403, 'AUTH_003');
      expectError(await request(t.app)[method](`${API}${path}`).set('authorization', bearer(t.token('service'))).send({}), 403, 'AUTH_003');
    }
    expect(await t.snapshot()).toEqual(before);
  });
});
