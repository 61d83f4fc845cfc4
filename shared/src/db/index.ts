export { createPool, type Pool, type PoolClient, type Db, type PoolOptions } from './create-pool.ts';
export { createRunInTx, type RunInTx } from './run-in-tx.ts';
export { migrate, type MigrateOptions } from './migrate.ts';
