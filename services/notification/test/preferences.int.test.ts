import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({}, { consumers: false }); });
afterAll(() => t?.stop());

const me = { id: randomUUID(), role: 'user' as const };
const get = (who = me) => request(t.app).get(`${API}/notifications/preferences`).set('authorization', t.bearer(who));
const put = (body: unknown, who: { id: string; role: 'user' | 'admin' | 'service' } = me) =>
  request(t.app).put(`${API}/notifications/preferences`).set('authorization', t.bearer(who)).send(body as object);

const all = (on: boolean) => ({ email: on, in_app: on, webhook: on });

describe('GET/PUT /notifications/preferences', () => {
  it('starts with everything on and says which pair is locked', async () => {
    const res = await get({ id: randomUUID(), role: 'user' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      preferences: { security: all(true), account: all(true), files: all(true), sync: all(true), product: all(true) },
      locked: [{ category: 'security', channel: 'email' }],
    });
  });

  it('changes only the pairs named and returns the whole matrix', async () => {
    const res = await put({ files: { email: false }, product: { email: false, webhook: false }, security: { in_app: false } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.preferences).toEqual({
      security: { email: true, in_app: false, webhook: true },
      account: all(true),
      files: { email: false, in_app: true, webhook: true },
      sync: all(true),
      product: { email: false, in_app: true, webhook: false },
    });
    expect((await get()).body.data.preferences).toEqual(res.body.data.preferences);

    const back = await put({ files: { email: true }, security: { email: true } });
    expect(back.body.data.preferences.files.email).toBe(true);
    expect(back.body.data.preferences.product.email).toBe(false);
  });

  it('refuses to turn security email off with a clear message and changes nothing', async () => {
    const before = await t.snapshot();
    const res = await put({ files: { in_app: false }, security: { email: false } });
    expectError(res, 422, 'BIZ_003');
    expect(res.body.error.message).toMatch(/Security emails cannot be turned off/);
    expect(res.body.error.details).toEqual([{ field: 'security.email', issue: 'locked', message: 'Security email cannot be disabled' }]);
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['an unknown category', { marketing: { email: false } }, 400, 'VAL_001'],
    ['an unknown channel', { files: { sms: false } }, 400, 'VAL_001'],
    ['a value that is not a boolean', { files: { email: 'no' } }, 400, 'VAL_001'],
    ['a category that is not an object', { files: false }, 400, 'VAL_001'],
    ['an empty body', {}, 422, 'VAL_002'],
    ['a category with no channel', { files: {} }, 422, 'VAL_002'],
    ['an array', [{ category: 'files', channel: 'email', enabled: false }], 400, 'VAL_001'],
  ])('refuses %s and changes nothing', async (_what, body, status, code) => {
    const before = await t.snapshot();
    expectError(await put(body), status, code);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses malformed JSON, callers without a user token, and changes nothing', async () => {
    const before = await t.snapshot();
    const bad = await request(t.app).put(`${API}/notifications/preferences`).set('authorization', t.bearer(me))
      .set('content-type', 'application/json').send('{"files": ');
    expectError(bad, 400, 'VAL_001');
    expectError(await request(t.app).put(`${API}/notifications/preferences`).send({ files: { email: false } }), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/notifications/preferences`).set('authorization', t.tokens.forged(me)), 401, 'AUTH_001');
    expectError(await put({ files: { email: false } }, { id: 'sync', role: 'service' }), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });
});
