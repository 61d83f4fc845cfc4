import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Pool } from './create-pool.ts';

// Tables every service schema needs for events (outbox, inbox), shared so they are written once.
const SHARED_DIR = fileURLToPath(new URL('../../migrations/events', import.meta.url));

export type MigrateOptions = { schema: string; dir: string | URL; log?: (msg: string) => void };

/**
 * Brings one service's schema up to date: the shared event tables first, then the service's own
 * migrations. Each set keeps its own history table inside the schema; node-pg-migrate's advisory
 * lock lets replicas start at once.
 */
export async function migrate(pool: Pool, { schema, dir, log = () => {} }: MigrateOptions): Promise<void> {
  const serviceDir = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replaceAll('"', '')}"`);
    const sets = [
      { dir: SHARED_DIR, table: 'pgmigrations_shared' },
      { dir: serviceDir, table: 'pgmigrations' },
    ].filter((s) => existsSync(s.dir));
    for (const set of sets) {
      await runner({
        dbClient: client,
        dir: set.dir,
        direction: 'up',
        migrationsTable: set.table,
        migrationsSchema: schema,
        schema,
        createSchema: true,
        checkOrder: true,
        // One lock for the whole database: services (and replicas) starting together on one
        // database wait their turn instead of failing ("Another migration is already running").
        advisoryLockMode: 'wait',
        count: Infinity,
        log,
        verbose: false,
      });
    }
  } finally {
    // node-pg-migrate leaves search_path set on this client: destroy it rather than return it to the pool.
    client.release(true);
  }
}
