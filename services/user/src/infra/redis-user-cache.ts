import type { Redis } from 'ioredis';
import type { Logger } from '@platform/shared/logger';
import type { User } from '../domain/user.ts';
import type { UserCache } from '../usecases/ports.ts';

const DATE_FIELDS = ['createdAt', 'updatedAt', 'deletedAt', 'bannedUntil'] as const;

// A short-lived marker left by invalidate(): reads treat it as a miss and set() does not replace it,
// so a reader that loaded a row just before someone else's write cannot cache that old row after the
// writer invalidated it. Once it expires, the next read fills the cache from the database again.
const TOMBSTONE = '{"tombstone":true}';
const TOMBSTONE_TTL_S = 5;

// Writes only when the cached copy is missing or older (and not a tombstone): a reader that loaded a
// row just before a write cannot put its older copy back over the newer one the writer cached.
const SET_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  if cur == ARGV[4] then return 0 end
  local ok, doc = pcall(cjson.decode, cur)
  if ok and type(doc) == 'table' and tonumber(doc.version) and tonumber(doc.version) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;

export const userCacheKey = (prefix: string, id: string): string => `${prefix}user:${id}`;

function revive(json: string): User | undefined {
  if (json === TOMBSTONE) return undefined;
  const raw = JSON.parse(json) as Record<string, unknown>;
  if (typeof raw.id !== 'string' || typeof raw.version !== 'number') return undefined;
  for (const f of DATE_FIELDS) if (typeof raw[f] === 'string') raw[f] = new Date(raw[f]);
  return raw as unknown as User;
}

/**
 * Single users in Redis, cache-aside. Every failure (Redis down, a bad entry) is a miss or a no-op:
 * the database stays the truth and a cache outage only costs speed.
 */
export function createRedisUserCache({ redis, ttlS, logger, keyPrefix = 'users:v1:' }: {
  redis: Redis; ttlS: number; logger: Logger; keyPrefix?: string;
}): UserCache {
  const key = (id: string) => userCacheKey(keyPrefix, id);
  // EVALSHA with a fallback to EVAL: the script text is not sent on every write.
  redis.defineCommand('userCacheSetIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
  const setIfNewer = (redis as unknown as { userCacheSetIfNewer: (...args: (string | number)[]) => Promise<number> }).userCacheSetIfNewer.bind(redis);
  const warn = (op: string, err: unknown) => logger.warn('user cache unavailable', { op, err: (err as Error).message });
  return {
    async get(id) {
      try {
        const json = await redis.get(key(id));
        return json === null ? undefined : revive(json);
      } catch (err) {
        warn('get', err);
        return undefined;
      }
    },
    async set(user) {
      try {
        await setIfNewer(key(user.id), JSON.stringify(user), user.version, ttlS, TOMBSTONE);
      } catch (err) {
        warn('set', err);
      }
    },
    async invalidate(...ids) {
      if (ids.length === 0) return;
      try {
        const batch = redis.multi();
        for (const id of ids) batch.set(key(id), TOMBSTONE, 'EX', TOMBSTONE_TTL_S);
        await batch.exec();
      } catch (err) {
        warn('invalidate', err);
      }
    },
  };
}
