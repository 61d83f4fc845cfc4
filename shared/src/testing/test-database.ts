import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../db/create-pool.ts';

export type TestDatabase = { url: string; name: string; pool: Pool; drop: () => Promise<void> };

/** A URL for the same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export const serverUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/platform';

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

/**
 * A fresh database for one test file, cloned from the migrated template that the integration
 * global setup prepares (TEST_TEMPLATE_DATABASE), or empty when there is none.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      break;
    } catch (err) {
      // Two files cloning the template at the same instant: Postgres refuses the second; try again.
      if (attempt < 20 && /being accessed by other users/.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        continue;
      }
      throw err;
    }
  }
  const url = withDatabase(serverUrl(), name);
  const pool = createPool(url, { max: 5 });
  return {
    url, name, pool,
    async drop() {
      await pool.end();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Unique names for exchanges, queues and keys so test files never share state. */
export const testPrefix = (label = 't'): string => `${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
