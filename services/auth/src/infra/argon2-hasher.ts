import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { authErrors } from '../domain/auth-errors.ts';
import type { PasswordHasher } from '../usecases/ports.ts';
import { createSemaphore } from './semaphore.ts';

// OWASP's argon2id minimum (19 MiB, t=2, p=1): ≈25 ms a hash on our machines (guide §12).
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id behind a semaphore: hashing runs on libuv's small thread pool, so without a cap a login
 * burst would starve file and DNS work of the whole process. Past the queue bound the caller gets
 * a fast 503 rather than a slow timeout.
 */
export function createArgon2Hasher({ maxConcurrency, maxQueue = 500 }: { maxConcurrency: number; maxQueue?: number }): PasswordHasher {
  const slots = createSemaphore(maxConcurrency, { maxQueue });
  const limited = <T>(fn: () => Promise<T>) => slots.run(fn, authErrors.busy);
  // Unknown accounts are verified against this hash so they take as long as known ones.
  const dummyHash = limited(() => argon2.hash(randomBytes(32), ARGON2_OPTIONS));

  return {
    hash: (secret) => limited(() => argon2.hash(secret, ARGON2_OPTIONS)),
    async verify(hash, secret) {
      const digest = hash ?? (await dummyHash);
      const ok = await limited(() => argon2.verify(digest, secret).catch(() => false));
      return ok && hash !== null;
    },
    needsRehash: (hash) => argon2.needsRehash(hash, ARGON2_OPTIONS),
  };
}
