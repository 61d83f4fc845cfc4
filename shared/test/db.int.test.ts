import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunInTx, migrate } from '../src/db/index.ts';
import { AppError, fromPgError } from '../src/errors/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
writeFileSync(join(dir, '1700000000000_things.sql'), `-- Up Migration
CREATE TABLE dbtest.things (id int PRIMARY KEY, name text NOT NULL);
-- Down Migration
DROP TABLE dbtest.things;
`);

beforeAll(async () => { db = await createTestDatabase(); });
afterAll(() => db.drop());

describe('migrate', () => {
  it('creates the schema, the shared event tables and the service tables, and is idempotent', async () => {
    await migrate(db.pool, { schema: 'dbtest', dir });
    await migrate(db.pool, { schema: 'dbtest', dir });
    const { rows } = await db.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbtest' ORDER BY table_name`);
    expect(rows.map((r) => r.table_name)).toContain('things');
    const { rows: path } = await db.pool.query('SHOW search_path');
    expect(path[0].search_path).not.toContain('dbtest'); // the migration client did not leak its search_path
  });
});

describe('runInTx', () => {
  it('commits on success and rolls back everything on a throw', async () => {
    const runInTx = createRunInTx(db.pool);
    await runInTx((tx) => tx.query(`INSERT INTO dbtest.things VALUES (1, 'a')`));
    await expect(runInTx(async (tx) => {
      await tx.query(`INSERT INTO dbtest.things VALUES (2, 'b')`);
      await tx.query(`INSERT INTO dbtest.things VALUES (1, 'dup')`);
    })).rejects.toThrow();
    const { rows } = await db.pool.query('SELECT id FROM dbtest.things ORDER BY id');
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('maps driver errors to AppErrors', async () => {
    const err = await db.pool.query(`INSERT INTO dbtest.things VALUES (1, 'dup')`).catch((e) => fromPgError(e, 'thing'));
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BIZ_002');
    const bad = await db.pool.query(`SELECT $1::uuid`, ['nope']).catch((e) => fromPgError(e, 'thing'));
    expect((bad as AppError).code).toBe('VAL_002');
  });
});
