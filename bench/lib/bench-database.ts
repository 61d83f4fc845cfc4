// A fresh, empty database for one benchmark run, dropped at the end even if connections remain.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '@platform/shared/testing';
import { onInterrupt } from './cleanup.ts';

export type BenchDatabase = { name: string; url: string; drop(): Promise<void> };

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

export async function createBenchDatabase(serverUrl: string, label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const drop = () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  const done = onInterrupt(drop);
  return {
    name,
    url: withDatabase(serverUrl, name),
    async drop() {
      await drop();
      done();
    },
  };
}
