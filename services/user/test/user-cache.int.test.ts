import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient } from '@platform/shared/redis';
import { createPgUserRepo } from '../src/infra/pg-user-repo.ts';
import { createRedisUserCache, userCacheKey } from '../src/infra/redis-user-cache.ts';
import { API, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({ CACHE_TTL_S: '120' }); });
afterAll(() => t?.stop());

const key = (id: string) => userCacheKey(`${t.prefix}:`, id);
const getUser = (id: string, token: string) => request(t.app).get(`${API}/users/${id}`).set('authorization', token);
// Changes the row behind the service's back, so a cached answer shows itself by being stale.
const changeInDb = (id: string, bio: string) => t.db.pool.query('UPDATE users.users SET bio = $2 WHERE id = $1', [id, bio]);

describe('single reads through Redis (cache-aside)', () => {
  it('fills the cache on a miss with the TTL from CACHE_TTL_S and serves the next read from it', async () => {
    const u = await t.seedUser({ bio: 'first' });
    expect(await t.redis.exists(key(u.id))).toBe(0);
    expect((await getUser(u.id, u.token)).body.data.bio).toBe('first');
    expect(await t.redis.exists(key(u.id))).toBe(1);
    const ttl = await t.redis.ttl(key(u.id));
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);

    await changeInDb(u.id, 'changed behind the cache');
    expect((await getUser(u.id, u.token)).body.data.bio).toBe('first');
  });

  it('replaces the cached user with the new version on the service’s own writes', async () => {
    const u = await t.seedUser({ bio: 'before' });
    const viewer = await t.seedUser();
    await getUser(u.id, viewer.token);
    const res = await request(t.app).patch(`${API}/users/${u.id}`).set('authorization', u.token).send({ bio: 'after' });
    expect(res.status).toBe(200);
    expect(JSON.parse((await t.redis.get(key(u.id)))!)).toMatchObject({ bio: 'after', version: 2 });
    expect((await getUser(u.id, viewer.token)).body.data.bio).toBe('after');
    await request(t.app).put(`${API}/profile/settings`).set('authorization', u.token).send({ show_email_in_directory: true }).expect(200);
    expect((await getUser(u.id, viewer.token)).body.data.email).toBe(u.email);
  });

  it('drops the cached user on invalidate, so the next read goes to the database', async () => {
    const u = await t.seedUser({ bio: 'cached' });
    await getUser(u.id, u.token);
    await changeInDb(u.id, 'fresh');
    await t.deps.cache.invalidate(u.id);
    expect((await getUser(u.id, u.token)).body.data.bio).toBe('fresh');
  });

  it('keeps a reader that loaded the row before an invalidating write from caching it afterwards', async () => {
    const u = await t.seedUser({ bio: 'old' });
    const stale = (await createPgUserRepo().findById(t.db.pool, u.id))!;
    await changeInDb(u.id, 'new');
    await t.deps.cache.invalidate(u.id);
    await t.deps.cache.set(stale);
    expect(await t.deps.cache.get(u.id)).toBeUndefined();
    expect((await getUser(u.id, u.token)).body.data.bio).toBe('new');
    // The marker is short-lived: after it expires reads fill the cache again.
    const ttl = await t.redis.ttl(key(u.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5);
  });

  it('never lets a reader put an older version back over a newer one', async () => {
    const u = await t.seedUser();
    const repo = createPgUserRepo();
    const old = (await repo.findById(t.db.pool, u.id))!;
    await request(t.app).patch(`${API}/users/${u.id}`).set('authorization', u.token).send({ bio: 'v2' }).expect(200);
    await t.deps.cache.set(old);
    expect(JSON.parse((await t.redis.get(key(u.id)))!)).toMatchObject({ bio: 'v2', version: 2 });
  });

  it('keeps dates as dates through the cache', async () => {
    const u = await t.seedUser();
    await getUser(u.id, u.token);
    const cached = (await t.deps.cache.get(u.id))!;
    expect(cached.createdAt).toBeInstanceOf(Date);
    expect(cached.deletedAt).toBeNull();
    const res = await getUser(u.id, u.token);
    expect(res.body.data.created_at).toBe(cached.createdAt.toISOString());
  });

  it('fails open: with Redis unreachable every read is a miss and every write a no-op', async () => {
    const logger = createLogger({ service: 'user', level: 'error', silent: true });
    const dead = createRedisClient('redis://127.0.0.1:1', logger, { commandTimeoutMs: 200 });
    try {
      const cache = createRedisUserCache({ redis: dead, ttlS: 60, logger });
      const u = await t.seedUser();
      const user = (await createPgUserRepo().findById(t.db.pool, u.id))!;
      await expect(cache.get(u.id)).resolves.toBeUndefined();
      await expect(cache.set(user)).resolves.toBeUndefined();
      await expect(cache.invalidate(u.id)).resolves.toBeUndefined();
    } finally {
      dead.disconnect();
    }
  });
});
