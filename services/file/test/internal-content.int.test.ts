import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type Principal, type TestApp, type UploadedJson } from './helpers.ts';

let t: TestApp;
let owner: Principal;
let csv: UploadedJson;
const CONTENT = 'id,email\n1,a@example.com\n2,b@example.com\n';

beforeAll(async () => {
  t = await startTestApp();
  owner = t.principal();
  csv = await t.upload(owner, CONTENT, { name: 'people.csv', type: 'text/csv' });
});
afterAll(() => t.stop());

const get = (id: string, auth?: string) => {
  const r = request(t.app).get(`${API}/internal/files/${id}/content`).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  return auth ? r.set('authorization', auth) : r;
};

describe('GET /internal/files/{id}/content', () => {
  it('streams any file to a service account', async () => {
    const res = await get(csv.id, t.principal('service').auth);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString('utf8')).toBe(CONTENT);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
  });

  it('refuses end users (even the owner and admins) and callers without a token', async () => {
    const refused = async (auth: string | undefined, status: number, code: string) => {
      const res = await get(csv.id, auth);
      res.body = JSON.parse((res.body as Buffer).toString('utf8'));
      expectError(res, status, code);
    };
    await refused(undefined, 401, 'AUTH_001');
    await refused(owner.auth, 403, 'AUTH_003');
    await refused(t.principal('admin').auth, 403, 'AUTH_003');
  });

  it('answers 404 for an unknown file and 422 for a malformed id', async () => {
    const svc = t.principal('service').auth;
    const missing = await get(crypto.randomUUID(), svc);
    missing.body = JSON.parse((missing.body as Buffer).toString('utf8'));
    expectError(missing, 404, 'BIZ_001');
    const bad = await get('nope', svc);
    bad.body = JSON.parse((bad.body as Buffer).toString('utf8'));
    expectError(bad, 422, 'VAL_002');
  });
});
