// Integration/e2e global setup: migrate every service's schema once into a template database
// whose name is derived from the migrations' content, so test files clone it in milliseconds
// and concurrent runs never drop a template another run is using.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPool, migrate } from '@platform/shared/db';
import { serverUrl, withDatabase } from '@platform/shared/testing';

const root = new URL('../..', import.meta.url).pathname;

type ServiceMigrations = { schema: string; dir: string };

function serviceMigrations(): ServiceMigrations[] {
  const dir = join(root, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const pkgPath = join(dir, name, 'package.json');
    if (!existsSync(pkgPath)) return [];
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { platform?: { schema?: string } };
    const schema = pkg.platform?.schema;
    return schema ? [{ schema, dir: join(dir, name, 'migrations') }] : [];
  });
}

function migrationsHash(sets: ServiceMigrations[]): string {
  const hash = createHash('sha256');
  const dirs = [join(root, 'shared/migrations/events'), ...sets.map((s) => s.dir)];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) hash.update(d + f + readFileSync(join(d, f)));
  }
  for (const s of sets) hash.update(s.schema);
  return hash.digest('hex').slice(0, 12);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

// Test files drop their databases; a crashed run leaves some behind. Drop those older than two hours.
async function dropStaleTestDatabases(): Promise<void> {
  const cutoff = Date.now() - 2 * 3600_000;
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%'`);
    for (const { datname } of rows) {
      const created = parseInt(datname.split('_')[1] ?? '', 36);
      if (created < cutoff) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
  });
}

export default async function setup(): Promise<void> {
  await dropStaleTestDatabases();
  const sets = serviceMigrations();
  const template = `tpl_${migrationsHash(sets)}`;
  process.env.TEST_TEMPLATE_DATABASE = template;
  const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
  if (exists) return;
  const building = `${template}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${building}"`));
  const pool = createPool(withDatabase(serverUrl(), building), { max: 2 });
  try {
    for (const s of sets) await migrate(pool, { schema: s.schema, dir: s.dir });
  } finally {
    await pool.end();
  }
  await admin(async (c) => {
    try {
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    } catch {
      await c.query(`DROP DATABASE IF EXISTS "${building}"`); // another run built the same template first
    }
  });
}
