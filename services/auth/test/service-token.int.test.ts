import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertServiceAccounts } from '../src/usecases/bootstrap.ts';
import { API, decodeJwt, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
const SECRET = 'svc-secret-0123456789';
beforeAll(async () => {
  t = await startTestApp();
  await upsertServiceAccounts(t.deps, [{ clientId: 'reports', secret: SECRET }]);
});
afterAll(() => t?.stop());

const token = () => request(t.app).post(`${API}/public/auth/token`).set('x-forwarded-for', t.ip());
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('POST /public/auth/token (client_credentials)', () => {
  it('issues a service token from a form body', async () => {
    const res = await token().type('form').send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: SECRET });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.data).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
    const { header, payload } = decodeJwt(res.body.data.access_token);
    expect(header).toMatchObject({ alg: 'RS256', kid: t.keys.active.kid });
    expect(payload).toMatchObject({ iss: 'platform-auth', sub: 'service:reports', role: 'service', client_id: 'reports', jti: expect.any(String) });
    expect(payload.sid).toBeUndefined();
    expect(await t.rows(`SELECT actor_id FROM auth.audit_log WHERE event = 'service_token_issued' AND details->>'jti' = $1`, [payload.jti]))
      .toEqual([{ actor_id: 'service:reports' }]);
  });

  it('issues one from a JSON body, from HTTP Basic, and ignores unknown parameters (RFC 6749 §3.2)', async () => {
    expect((await token().send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: SECRET, scope: 'x', foo: 1 })).status).toBe(200);
    expect((await token().set('authorization', basic('reports', SECRET)).type('form').send({ grant_type: 'client_credentials' })).status).toBe(200);
  });

  it('answers the same AUTH_001 invalid_client to a wrong secret and an unknown client, and writes no session', async () => {
    const before = await t.snapshot();
    const wrong = await token().send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: 'wrong-secret-123456' });
    const unknown = await token().send({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: SECRET });
    for (const res of [wrong, unknown]) {
      expectError(res, 401, 'AUTH_001');
      expect(res.body.error.details).toEqual([expect.objectContaining({ issue: 'invalid_client' })]);
    }
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    const viaBasic = await token().set('authorization', basic('reports', 'wrong')).send({ grant_type: 'client_credentials' });
    expectError(viaBasic, 401, 'AUTH_001');
    expect(viaBasic.headers['www-authenticate']).toMatch(/^Basic/);
    expect(await t.snapshot()).toEqual(before);
    expect(await t.rows(`SELECT details->>'client_id' AS c FROM auth.audit_log WHERE event = 'service_token_denied' ORDER BY id`))
      .toEqual([{ c: 'reports' }, { c: 'nobody' }, { c: 'reports' }]);
  });

  it.each([
    ['an unsupported grant_type', { grant_type: 'password', client_id: 'reports', client_secret: SECRET }, 422, 'VAL_002', 'unsupported_grant_type'],
    ['a missing grant_type', { client_id: 'reports', client_secret: SECRET }, 400, 'VAL_001', 'required'],
    ['a missing client_secret', { grant_type: 'client_credentials', client_id: 'reports' }, 400, 'VAL_001', 'invalid_request'],
    ['a missing client_id', { grant_type: 'client_credentials', client_secret: SECRET }, 400, 'VAL_001', 'invalid_request'],
    ['a non-string client_id', { grant_type: 'client_credentials', client_id: 7, client_secret: SECRET }, 400, 'VAL_001', 'invalid_type'],
  ])('refuses %s', async (_label, body, status, code, issue) => {
    const before = await t.snapshot();
    const res = await token().send(body);
    expectError(res, status as number, code as string);
    expect(res.body.error.details[0].issue).toBe(issue);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses credentials in both the header and the body, and a malformed Basic header', async () => {
    expectError(await token().set('authorization', basic('reports', SECRET)).send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: SECRET }), 400, 'VAL_001');
    expectError(await token().set('authorization', 'Basic bm9jb2xvbg==').send({ grant_type: 'client_credentials' }), 400, 'VAL_001');
  });

  it('keeps an unchanged secret\'s hash on restart and replaces a changed one', async () => {
    const [{ secret_hash: first }] = await t.rows<{ secret_hash: string }>(`SELECT secret_hash FROM auth.service_accounts WHERE client_id = 'reports'`) as [{ secret_hash: string }];
    await upsertServiceAccounts(t.deps, [{ clientId: 'reports', secret: SECRET }]);
    expect(await t.rows(`SELECT secret_hash FROM auth.service_accounts WHERE client_id = 'reports'`)).toEqual([{ secret_hash: first }]);
    expect(first).toMatch(/^\$argon2id\$/);
    await upsertServiceAccounts(t.deps, [{ clientId: 'reports', secret: 'rotated-secret-0123456789' }]);
    expectError(await token().send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: SECRET }), 401, 'AUTH_001');
    expect((await token().send({ grant_type: 'client_credentials', client_id: 'reports', client_secret: 'rotated-secret-0123456789' })).status).toBe(200);
    await upsertServiceAccounts(t.deps, [{ clientId: 'reports', secret: SECRET }]);
  });
});
