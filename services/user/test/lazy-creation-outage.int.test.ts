import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';

// Each test has its own app: failures count toward the breaker to auth, which must not leak into other tests.
let t: TestApp | undefined;
afterEach(async () => { await t?.stop(); t = undefined; });

const getProfile = (app: TestApp, token: string) => request(app.app).get(`${API}/profile`).set('authorization', token);

describe('lazy creation while auth is in trouble', () => {
  it('answers a clean 503 while auth is unreachable, creating nothing', async () => {
    t = await startTestApp();
    // Keys and the service token are fetched (and cached) first: the outage is auth's internal API's.
    expect((await getProfile(t, t.seedIdentity().token)).status).toBe(200);
    const p = t.seedIdentity();
    const before = await t.snapshot();
    t.auth.down();
    expectError(await getProfile(t, p.token), 503, 'EXT_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers 502 while auth fails, creating nothing, and creates the profile once auth answers again', async () => {
    t = await startTestApp();
    expect((await getProfile(t, t.seedIdentity().token)).status).toBe(200);
    const p = t.seedIdentity();
    const before = await t.snapshot();
    t.auth.failWith(500);
    expectError(await getProfile(t, p.token), 502, 'EXT_003');
    expect(await t.snapshot()).toEqual(before);
    t.auth.up();
    const res = await getProfile(t, p.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.id).toBe(p.id);
  });

  it('answers 503 at once without calling auth while the breaker is open, creating nothing', async () => {
    t = await startTestApp();
    const warm = t.seedIdentity();
    expect((await getProfile(t, warm.token)).status).toBe(200); // keys and the service token are cached now
    t.auth.failWith(500);
    for (let i = 0; i < 5 && t.authApi.breakerState() !== 'open'; i++) await getProfile(t, t.seedIdentity().token);
    expect(t.authApi.breakerState()).toBe('open');
    t.auth.up();
    const p = t.seedIdentity();
    const calls = t.auth.calls.length;
    const before = await t.snapshot();
    const res = await getProfile(t, p.token);
    expectError(res, 503, 'EXT_002');
    expect(t.auth.calls.length).toBe(calls);
    expect(await t.snapshot()).toEqual(before);
    // Profiles that exist are still served: only creation needs auth.
    expect((await getProfile(t, warm.token)).status).toBe(200);
  });
});
