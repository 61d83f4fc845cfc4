import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgUserRepo } from '../src/infra/pg-user-repo.ts';
import { createUserLoader } from '../src/infra/user-loader.ts';
import type { UserRepo } from '../src/usecases/ports.ts';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const lookup = (body: unknown, token?: string) => {
  const req = request(t.app).post(`${API}/internal/users/lookup`);
  if (token) req.set('authorization', token);
  return req.send(body as object);
};

describe('POST /internal/users/lookup', () => {
  it('answers the whole record of every id found (any status) and lists the missing ones', async () => {
    const a = await t.seedUser({ displayName: 'A' });
    const b = await t.seedUser({ status: 'banned' });
    const gone = await t.seedUser({ status: 'deleted' });
    const unknown = randomUUID();
    const res = await lookup({ ids: [a.id, b.id, gone.id, unknown, a.id] }, t.serviceToken());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = new Map((res.body.data.users as { id: string }[]).map((u) => [u.id, u]));
    expect(byId.size).toBe(3);
    expect(byId.get(a.id)).toMatchObject({ email: a.email, display_name: 'A', status: 'active', role: 'user', version: 1 });
    expect(byId.get(b.id)).toMatchObject({ status: 'banned' });
    expect(byId.get(gone.id)).toMatchObject({ status: 'deleted', deleted_at: expect.any(String) });
    expect(res.body.data.missing).toEqual([unknown]);
  });

  it('takes up to 1000 ids in one body', async () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    const res = await lookup({ ids }, t.serviceToken());
    expect(res.status).toBe(200);
    expect(res.body.data.missing).toHaveLength(1000);
  });

  it('only service tokens: users and admins get 403, anonymous callers and bad tokens 401', async () => {
    const u = await t.seedUser();
    const admin = await t.seedUser({ role: 'admin' });
    expectError(await lookup({ ids: [u.id] }), 401, 'AUTH_001');
    expectError(await lookup({ ids: [u.id] }, 'Bearer x.y.z'), 401, 'AUTH_001');
    expectError(await lookup({ ids: [u.id] }, u.token), 403, 'AUTH_003');
    expectError(await lookup({ ids: [u.id] }, admin.token), 403, 'AUTH_003');
  });

  it.each([
    ['no ids', {}, 400, 'VAL_001'],
    ['ids that is not an array', { ids: 'abc' }, 400, 'VAL_001'],
    ['an empty list', { ids: [] }, 422, 'VAL_003'],
    ['more than 1000 ids', { ids: Array.from({ length: 1001 }, () => randomUUID()) }, 422, 'VAL_003'],
    ['an id that is not a uuid', { ids: ['nope'] }, 422, 'VAL_002'],
    ['an unknown field', { ids: [randomUUID()], fields: ['email'] }, 400, 'VAL_001'],
  ])('refuses %s', async (_label, body, status, code) => {
    const before = await t.snapshot();
    expectError(await lookup(body, t.serviceToken()), status, code);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('the user loader (dataloader)', () => {
  it('reads the ids of concurrent lookups with one query', async () => {
    const seeded = await Promise.all([1, 2, 3, 4].map(() => t.seedUser()));
    const repo = createPgUserRepo();
    const batches: (readonly string[])[] = [];
    const counting: UserRepo = { ...repo, findManyByIds: (db, ids) => { batches.push(ids); return repo.findManyByIds(db, ids); } };
    const loader = createUserLoader({ db: t.db.pool, users: counting });
    const missing = randomUUID();
    const [first, second, third] = await Promise.all([
      loader.loadMany([seeded[0]!.id, seeded[1]!.id]),
      loader.loadMany([seeded[2]!.id, missing]),
      loader.loadMany([seeded[3]!.id, seeded[0]!.id]),
    ]);
    expect(batches).toHaveLength(1);
    expect(first!.map((u) => u?.id)).toEqual([seeded[0]!.id, seeded[1]!.id]);
    expect(second!.map((u) => u?.id ?? null)).toEqual([seeded[2]!.id, null]);
    expect(third!.map((u) => u?.id)).toEqual([seeded[3]!.id, seeded[0]!.id]);
  });

  it('splits a lookup larger than the batch size into several queries', async () => {
    const repo = createPgUserRepo();
    const batches: number[] = [];
    const counting: UserRepo = { ...repo, findManyByIds: (db, ids) => { batches.push(ids.length); return repo.findManyByIds(db, ids); } };
    const loader = createUserLoader({ db: t.db.pool, users: counting, maxBatchSize: 10 });
    await loader.loadMany(Array.from({ length: 25 }, () => randomUUID()));
    expect(batches).toEqual([10, 10, 5]);
  });
});
