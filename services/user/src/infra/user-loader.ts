import DataLoader from 'dataloader';
import type { User } from '../domain/user.ts';
import type { Db, UserBatchReader, UserRepo } from '../usecases/ports.ts';

/**
 * Batches lookups of many users: every id asked for in the same tick, by any number of concurrent
 * requests, is read with one `WHERE id = ANY($1)` query. No memo cache: the loader lives as long as
 * the process, and a memo would serve stale rows; Redis is the cache for single reads.
 */
export function createUserLoader({ db, users, maxBatchSize = 1_000 }: { db: Db; users: UserRepo; maxBatchSize?: number }): UserBatchReader {
  const loader = new DataLoader<string, User | null>(
    async (ids) => {
      const found = new Map((await users.findManyByIds(db, ids)).map((u) => [u.id, u]));
      return ids.map((id) => found.get(id) ?? null);
    },
    { cache: false, maxBatchSize },
  );
  return {
    async loadMany(ids) {
      const results = await loader.loadMany(ids);
      return results.map((r) => {
        if (r instanceof Error) throw r;
        return r;
      });
    },
  };
}
