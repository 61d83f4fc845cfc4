import type { Pool, PoolClient } from './create-pool.ts';

export type RunInTx = <T>(fn: (tx: PoolClient) => Promise<T>) => Promise<T>;

/** Runs fn in one transaction: commit on success, rollback on any throw, the client always released. */
export function createRunInTx(pool: Pool): RunInTx {
  return async (fn) => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw err;
    } finally {
      // A client whose rollback failed is in an unknown state: destroy it instead of reusing it.
      client.release(broken);
    }
  };
}
