// A benchmark database of the user service: migrated with the service's own migrations (by the
// service process itself in the benchmark, or here), then
// filled with `rows` users by INSERT … SELECT generate_series (names, emails, roles, statuses,
// locales and sign-up times spread over two years, all derived from the row number, so two runs
// seed the same distribution). The secondary indexes are dropped for the load and rebuilt after it
// (exactly as the migrations define them), then VACUUM ANALYZE, as a restored database would be.
import { fileURLToPath } from 'node:url';
import { createPool, migrate, type Pool } from '@platform/shared/db';
import { rootDir } from '../lib/deps.ts';
import { progress } from '../lib/log.ts';

const MIGRATIONS = fileURLToPath(new URL('services/user/migrations', rootDir));
const CHUNK = 200_000;

const FIRST_NAMES = [
  'Anna', 'Ben', 'Carla', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Klara', 'Leon', 'Mia', 'Noah', 'Olga', 'Paul',
  'Quinn', 'Rosa', 'Simon', 'Tara', 'Uma', 'Victor', 'Wanda', 'Xaver', 'Yara', 'Zoe', 'Amir', 'Bianca', 'Chen', 'Dara', 'Elif', 'Farid',
  'Giulia', 'Hana', 'Igor', 'Jana', 'Kenji', 'Lucia', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Rafael', 'Sofia', 'Tomasz', 'Ursula', 'Vera', 'Wei',
  'Yusuf', 'Zeynep', 'Aiko', 'Bruno', 'Camille', 'Dmitri', 'Esther', 'Fatima', 'Goran', 'Helena', 'Ivan', 'Jamal', 'Katya', 'Lars', 'Marta', 'Nils',
];
// Surnames are two syllables, 32 × 32 of them: a surname matches about one user in a thousand.
const SYLLABLES_A = ['Ber', 'Cas', 'Dor', 'Eng', 'Fal', 'Gar', 'Hol', 'Ivan', 'Jan', 'Kor', 'Lin', 'Mor', 'Nor', 'Ost', 'Pet', 'Quin',
  'Ros', 'Sil', 'Tor', 'Ul', 'Van', 'Wal', 'Yor', 'Zim', 'Ach', 'Bran', 'Cor', 'Del', 'Est', 'Fin', 'Gol', 'Hart'];
const SYLLABLES_B = ['berg', 'mann', 'sen', 'ov', 'ez', 'ini', 'ski', 'ton', 'well', 'ford', 'stein', 'ley', 'mond', 'dal', 'vik', 'oni',
  'ard', 'strom', 'ello', 'uk', 'ane', 'essa', 'ham', 'ich', 'oza', 'aki', 'er', 'io', 'und', 'ova', 'tti', 'mont'];
const DOMAINS = ['example.com', 'mail.test', 'corp.example', 'uni.example.edu', 'web.example.org'];
const LOCALES = ['en', 'de-AT', 'fr', 'es', 'pl', 'ja', 'pt-BR', 'en-GB'];
const TIMEZONES = ['Europe/Vienna', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/Warsaw', 'America/Sao_Paulo', 'UTC', 'Europe/London'];

const arr = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',')}]`;
// A non-negative pseudo-random integer per row and purpose (hashint4 is Postgres' own int hash).
const h = (salt: number) => `(hashint4(i * 7 + ${salt}) & 2147483647)`;

/** Rows first..last (1-based row numbers). ~0.2 % admins, ~3 % banned, ~1 % deleted. */
const insertSql = `
INSERT INTO users.users (id, email, display_name, first_name, last_name, locale, timezone, role, status, ban_reason,
                         settings, created_at, updated_at, deleted_at, version)
SELECT gen_random_uuid(),
       lower(first || '.' || last || i || '@' || domain),
       first || ' ' || last,
       first, last, locale, timezone,
       CASE WHEN r < 2 THEN 'admin' ELSE 'user' END,
       CASE WHEN r BETWEEN 2 AND 31 THEN 'banned' WHEN r BETWEEN 32 AND 41 THEN 'deleted' ELSE 'active' END,
       CASE WHEN r BETWEEN 2 AND 31 THEN 'bench: spam' END,
       CASE WHEN r % 4 = 0 THEN '{"theme":"dark"}'::jsonb ELSE '{}'::jsonb END,
       created, created + make_interval(secs => ${h(5)} % 86400),
       CASE WHEN r BETWEEN 32 AND 41 THEN created + interval '1 day' END,
       1 + r % 3
FROM (
  SELECT i,
         (${arr(FIRST_NAMES)})[1 + ${h(1)} % ${FIRST_NAMES.length}] AS first,
         (${arr(SYLLABLES_A)})[1 + ${h(2)} % ${SYLLABLES_A.length}] || (${arr(SYLLABLES_B)})[1 + ${h(3)} % ${SYLLABLES_B.length}] AS last,
         (${arr(DOMAINS)})[1 + ${h(4)} % ${DOMAINS.length}] AS domain,
         (${arr(LOCALES)})[1 + ${h(6)} % ${LOCALES.length}] AS locale,
         (${arr(TIMEZONES)})[1 + ${h(7)} % ${TIMEZONES.length}] AS timezone,
         ${h(8)} % 1000 AS r,
         now() - make_interval(secs => ${h(9)} % (730 * 86400)) AS created
  FROM generate_series($1::int, $2::int) AS i
) AS s`;

export type SeededDatabase = {
  rows: number;
  seconds: { insert: number; indexes: number; analyze: number };
  table_mib: number;
  indexes_mib: number;
};

const mib = (bytes: string | number) => Math.round(Number(bytes) / 2 ** 20);

/** Seeds `url`'s users schema, migrating it first unless the service already did. */
export async function seedUserDatabase(url: string, rows: number, label: string, { migrate: runMigrations = true } = {}): Promise<SeededDatabase> {
  // Index builds over 1M rows on a busy machine take longer than the pool's default statement timeout.
  const pool = createPool(url, { max: 2, statementTimeoutMs: 0, applicationName: 'bench-seed' });
  try {
    if (runMigrations) await migrate(pool, { schema: 'users', dir: MIGRATIONS });
    return await seed(pool, rows, label);
  } finally {
    await pool.end();
  }
}

async function seed(pool: Pool, rows: number, label: string): Promise<SeededDatabase> {
  const client = await pool.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    await client.query('SET synchronous_commit = off');
    // The indexes that back no constraint; the primary key and the external key stay.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(`
      SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
      FROM pg_index i
      WHERE i.indrelid = 'users.users'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
    for (const ix of indexes) await client.query(`DROP INDEX ${ix.name}`);

    let t0 = performance.now();
    for (let first = 1; first <= rows; first += CHUNK) {
      const last = Math.min(rows, first + CHUNK - 1);
      await client.query(insertSql, [first, last]);
      if (rows > CHUNK) progress(`user: ${label}: ${last.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows`);
    }
    const insert = (performance.now() - t0) / 1000;

    t0 = performance.now();
    for (const ix of indexes) await client.query(ix.def);
    const indexSeconds = (performance.now() - t0) / 1000;

    t0 = performance.now();
    await client.query('VACUUM (ANALYZE) users.users');
    const analyze = (performance.now() - t0) / 1000;

    const { rows: [size] } = await client.query<{ table: string; indexes: string }>(
      "SELECT pg_table_size('users.users') AS table, pg_indexes_size('users.users') AS indexes");
    const result = {
      rows,
      seconds: { insert: Math.round(insert * 10) / 10, indexes: Math.round(indexSeconds * 10) / 10, analyze: Math.round(analyze * 10) / 10 },
      table_mib: mib(size?.table ?? 0),
      indexes_mib: mib(size?.indexes ?? 0),
    };
    progress(`user: ${label}: ${rows.toLocaleString('en-US')} rows in ${result.seconds.insert} s, ${indexes.length} indexes rebuilt in ${result.seconds.indexes} s, ` +
      `analyze ${result.seconds.analyze} s; table ${result.table_mib} MiB, indexes ${result.indexes_mib} MiB`);
    return result;
  } finally {
    client.release();
  }
}

/** Ids and terms the scenarios ask for, read from the seeded data. */
export type Samples = {
  /** An active user: the caller of the directory and single reads. */
  caller: string;
  /** An active admin: the caller of the admin list. */
  admin: string;
  /** One active user read again and again (cache hit). */
  hot: string;
  /** Distinct active users, each read once (cache miss). */
  cold: string[];
  /** A surname, the directory search term. */
  surname: string;
};

export async function sampleUsers(url: string, coldCount: number): Promise<Samples> {
  const pool = createPool(url, { max: 1 });
  try {
    const one = async (sql: string) => {
      const { rows } = await pool.query<{ v: string }>(sql);
      if (!rows[0]) throw new Error(`no sample for: ${sql}`);
      return rows[0].v;
    };
    const caller = await one("SELECT id::text AS v FROM users.users WHERE status = 'active' AND role = 'user' ORDER BY created_at LIMIT 1");
    const admin = await one("SELECT id::text AS v FROM users.users WHERE status = 'active' AND role = 'admin' ORDER BY created_at LIMIT 1");
    const hot = await one("SELECT id::text AS v FROM users.users WHERE status = 'active' AND role = 'user' ORDER BY created_at DESC LIMIT 1");
    const surname = await one("SELECT last_name AS v FROM users.users WHERE status = 'active' ORDER BY created_at DESC LIMIT 1");
    const { rows } = await pool.query<{ id: string }>(
      "SELECT id::text AS id FROM users.users WHERE status = 'active' AND id NOT IN ($1, $2, $3) ORDER BY random() LIMIT $4",
      [caller, admin, hot, coldCount]);
    return { caller, admin, hot, cold: rows.map((r) => r.id), surname };
  } finally {
    await pool.end();
  }
}
