import pg from 'pg';
import type { Logger } from '../logger/create-logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool, or the client of an open transaction. */
export type Db = pg.Pool | pg.PoolClient;

export type PoolOptions = { max?: number; statementTimeoutMs?: number; connectionTimeoutMs?: number; logger?: Logger; applicationName?: string };

/**
 * A pool with the guide's safety settings (§12): a bounded connect wait, a statement timeout,
 * and an error handler so a Postgres restart does not crash the process.
 */
export function createPool(connectionString: string, opts: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs ?? 15_000,
    application_name: opts.applicationName ?? process.env.OTEL_SERVICE_NAME ?? 'platform',
  });
  pool.on('error', (err) => opts.logger?.warn('idle postgres client failed', { err }));
  return pool;
}
