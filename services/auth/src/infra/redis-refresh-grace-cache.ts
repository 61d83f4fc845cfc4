import type { Redis } from 'ioredis';
import { openForToken, sealForToken } from '../domain/grace-seal.ts';
import { hashToken } from '../domain/opaque-token.ts';
import type { IssuedPair, RefreshGraceCache } from '../usecases/ports.ts';

/** The pair issued for a refresh token, sealed with a key only that token yields, for the grace window. */
export function createRedisRefreshGraceCache({ redis, graceS, keyPrefix = 'auth:refresh-grace:' }: { redis: Redis; graceS: number; keyPrefix?: string }): RefreshGraceCache {
  const keyOf = (token: string) => keyPrefix + hashToken(token).toString('base64url');
  return {
    async put(oldToken, pair) {
      if (graceS <= 0) return;
      // A second past the window so a request that arrives at the edge still finds it.
      await redis.set(keyOf(oldToken), sealForToken(oldToken, JSON.stringify(pair)), 'PX', graceS * 1000 + 1000);
    },
    async get(oldToken) {
      const sealed = await redis.get(keyOf(oldToken));
      const plain = sealed ? openForToken(oldToken, sealed) : null;
      return plain ? (JSON.parse(plain) as IssuedPair) : null;
    },
  };
}
