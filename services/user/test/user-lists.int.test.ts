import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXACT_COUNT_LIMIT, SEARCH_PROBE_LIMIT } from '../src/infra/pg-user-list-query.ts';
import { as } from './admin-helpers.ts';
import { expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: Seeded;
let viewer: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.seedUser({ role: 'admin', displayName: 'Zed Admin' });
  viewer = await t.seedUser({ displayName: 'Zed Viewer' });
});
afterAll(() => t?.stop());

type Row = { name: string; email: string; status?: string; role?: string; at: string };

/** Rows straight into the table, each with its own created_at, all carrying `tag` in the name. */
async function seed(rows: Row[]): Promise<void> {
  await t.db.pool.query(
    `INSERT INTO users.users (id, email, display_name, status, role, created_at, deleted_at)
     SELECT gen_random_uuid(), e, n, s, r, a::timestamptz, CASE WHEN s = 'deleted' THEN now() END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(e, n, s, r, a)`,
    [rows.map((r) => r.email), rows.map((r) => r.name), rows.map((r) => r.status ?? 'active'), rows.map((r) => r.role ?? 'user'), rows.map((r) => r.at)]);
}
const names = (res: { body: { data: { display_name: string }[] } }) => res.body.data.map((u) => u.display_name);

describe('GET /users (directory)', () => {
  beforeAll(async () => {
    await seed([
      { name: 'Dirk Alpha', email: 'alpha@dir.example', at: '2021-01-01T00:00:01Z' },
      { name: 'Dirk Bravo', email: 'bravo@dir.example', at: '2021-01-01T00:00:02Z', role: 'admin' },
      { name: 'Dirk Charlie', email: 'charlie@dir.example', at: '2021-01-01T00:00:03Z' },
      { name: 'Dirk Delta', email: 'delta@dir.example', at: '2021-01-01T00:00:04Z', status: 'banned' },
      { name: 'Dirk Echo', email: 'echo@dir.example', at: '2021-01-01T00:00:05Z', status: 'deleted' },
      { name: 'Dirk Foxtrot', email: 'foxtrot@dir.example', at: '2021-01-01T00:00:06Z' },
    ]);
  });

  it('lists active people only, public fields only, newest first, with exact pagination meta and a next cursor', async () => {
    const res = await as(t, viewer.token).get('/users?q=dirk&limit=2');
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['Dirk Foxtrot', 'Dirk Charlie']);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(['avatar_file_id', 'bio', 'display_name', 'id']);
    expect(res.body.meta.pagination).toEqual({
      limit: 2, offset: 0, total: 4, has_next: true, has_prev: false, total_estimated: false, next_cursor: expect.any(String),
    });
  });

  it('continues by keyset cursor exactly where offset paging would', async () => {
    const first = await as(t, viewer.token).get('/users?q=dirk&limit=2');
    const byCursor = await as(t, viewer.token).get(`/users?q=dirk&limit=2&cursor=${first.body.meta.pagination.next_cursor}`);
    const byOffset = await as(t, viewer.token).get('/users?q=dirk&limit=2&offset=2');
    expect(names(byCursor)).toEqual(['Dirk Bravo', 'Dirk Alpha']);
    expect(names(byCursor)).toEqual(names(byOffset));
    expect(byCursor.body.meta.pagination).toMatchObject({ offset: 0, total: 4, has_next: false, has_prev: true, next_cursor: null });
  });

  it('sorts by display name and filters by role', async () => {
    expect(names(await as(t, viewer.token).get('/users?q=dirk&sort=display_name'))).toEqual(['Dirk Alpha', 'Dirk Bravo', 'Dirk Charlie', 'Dirk Foxtrot']);
    expect(names(await as(t, viewer.token).get('/users?q=dirk&sort=display_name&order=desc&limit=1'))).toEqual(['Dirk Foxtrot']);
    expect(names(await as(t, viewer.token).get('/users?q=dirk&role=admin'))).toEqual(['Dirk Bravo']);
    // The directory searches names only: emails are private.
    expect(names(await as(t, viewer.token).get('/users?q=dir.example'))).toEqual([]);
  });

  it.each([
    ['a search under 3 characters', '?q=di', 422, 'VAL_003'],
    ['an unknown sort field', '?sort=email', 422, 'VAL_002'],
    ['an unknown order', '?order=up', 422, 'VAL_002'],
    ['a limit over 100', '?limit=101', 422, 'VAL_003'],
    ['a negative offset', '?offset=-1', 422, 'VAL_003'],
    ['an unknown parameter', '?status=banned', 400, 'VAL_001'],
    ['a garbage cursor', '?cursor=xyz', 422, 'VAL_002'],
  ])('refuses %s', async (_label, query, status, code) => {
    expectError(await as(t, viewer.token).get(`/users${query}`), status as number, code as string);
  });

  it('refuses a cursor of another sort', async () => {
    const first = await as(t, viewer.token).get('/users?q=dirk&limit=1');
    expectError(await as(t, viewer.token).get(`/users?q=dirk&sort=display_name&cursor=${first.body.meta.pagination.next_cursor}`), 422, 'VAL_002');
  });

  it('needs a signed-in end user', async () => {
    expectError(await as(t, null).get('/users'), 401, 'AUTH_001');
    expectError(await as(t, t.serviceToken()).get('/users'), 403, 'AUTH_003');
    expect((await as(t, admin.token).get('/users')).status).toBe(200);
  });
});

describe('GET /admin/users', () => {
  const range = 'created_from=2022-01-01T00:00:00Z&created_to=2022-12-31T23:59:59Z';
  beforeAll(async () => {
    await seed([
      { name: 'Ann', email: 'zz-ann@corp.example', at: '2022-01-01T00:00:00Z' },
      { name: 'Bob', email: 'aa-bob@corp.example', at: '2022-02-01T00:00:00Z', status: 'banned' },
      { name: 'Cid', email: 'mm-cid@other.example', at: '2022-03-01T00:00:00Z', role: 'admin' },
      { name: 'Dee', email: 'dd-dee@corp.example', at: '2022-04-01T00:00:00Z', status: 'deleted' },
      { name: 'Eve', email: 'ee-eve@corp.example', at: '2023-01-01T00:00:00Z' },
    ]);
  });

  it('filters by created range and leaves deleted people out unless asked', async () => {
    const res = await as(t, admin.token).get(`/admin/users?${range}`);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['Cid', 'Bob', 'Ann']);
    expect(res.body.data[0]).toMatchObject({ email: 'mm-cid@other.example', role: 'admin', status: 'active' });
    expect(res.body.meta.pagination).toMatchObject({ total: 3, total_estimated: false });
    expect(names(await as(t, admin.token).get(`/admin/users?${range}&status=deleted`))).toEqual(['Dee']);
    expect(names(await as(t, admin.token).get(`/admin/users?${range}&status=banned`))).toEqual(['Bob']);
    expect(names(await as(t, admin.token).get(`/admin/users?${range}&role=admin`))).toEqual(['Cid']);
    expect(names(await as(t, admin.token).get('/admin/users?created_from=2022-02-01T00:00:00Z&created_to=2022-02-01T00:00:00Z'))).toEqual(['Bob']);
  });

  it('searches names and emails, and sorts by email both ways', async () => {
    expect(names(await as(t, admin.token).get(`/admin/users?${range}&q=corp.example&sort=email`))).toEqual(['Bob', 'Ann']);
    expect(names(await as(t, admin.token).get(`/admin/users?${range}&sort=email&order=desc`))).toEqual(['Ann', 'Cid', 'Bob']);
    expect(names(await as(t, admin.token).get(`/admin/users?q=100%25`))).toEqual([]); // LIKE wildcards are literal
  });

  it('pages by cursor through a filtered, sorted list', async () => {
    const p1 = await as(t, admin.token).get(`/admin/users?${range}&sort=email&limit=2`);
    expect(names(p1)).toEqual(['Bob', 'Cid']);
    const p2 = await as(t, admin.token).get(`/admin/users?${range}&sort=email&limit=2&cursor=${p1.body.meta.pagination.next_cursor}`);
    expect(names(p2)).toEqual(['Ann']);
    expect(p2.body.meta.pagination).toMatchObject({ has_next: false, next_cursor: null, total: 3 });
  });

  it.each([
    ['created_to before created_from', '?created_from=2022-02-01T00:00:00Z&created_to=2022-01-01T00:00:00Z', 422, 'VAL_003'],
    ['a date without an offset', '?created_from=2022-02-01', 422, 'VAL_002'],
    ['an unknown status', '?status=gone', 422, 'VAL_002'],
    ['an unknown sort field', '?sort=password', 422, 'VAL_002'],
    ['an unknown parameter', '?fields=email', 400, 'VAL_001'],
  ])('refuses %s', async (_label, query, status, code) => {
    expectError(await as(t, admin.token).get(`/admin/users${query}`), status as number, code as string);
  });
});

describe('total on large lists', () => {
  it(`counts exactly up to ${EXACT_COUNT_LIMIT} matches and reports the planner's estimate beyond`, async () => {
    await t.db.pool.query(
      `INSERT INTO users.users (id, email, display_name, created_at)
       SELECT gen_random_uuid(), 'bulk' || g || '@bulk.example', 'Bulk ' || g, '2019-01-01'::timestamptz + g * interval '1 second'
         FROM generate_series(1, $1::int) g`, [EXACT_COUNT_LIMIT + 500]);
    await t.db.pool.query('ANALYZE users.users');
    const res = await as(t, admin.token).get('/admin/users?limit=5');
    expect(res.status).toBe(200);
    const { total, total_estimated: estimated } = res.body.meta.pagination;
    expect(estimated).toBe(true);
    expect(total).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(Math.abs(total - (EXACT_COUNT_LIMIT + 520)) / (EXACT_COUNT_LIMIT + 520)).toBeLessThan(0.2);
    const small = await as(t, admin.token).get(`/admin/users?${'created_from=2022-01-01T00:00:00Z&created_to=2022-12-31T23:59:59Z'}`);
    expect(small.body.meta.pagination).toMatchObject({ total: 3, total_estimated: false });
  });

  it(`a search with over ${SEARCH_PROBE_LIMIT} matches walks the sort index instead, and pages on by cursor`, async () => {
    const first = await as(t, admin.token).get('/admin/users?q=bulk.example&limit=3');
    expect(names(first)).toEqual([`Bulk ${EXACT_COUNT_LIMIT + 500}`, `Bulk ${EXACT_COUNT_LIMIT + 499}`, `Bulk ${EXACT_COUNT_LIMIT + 498}`]);
    expect(first.body.meta.pagination).toMatchObject({ has_next: true, total_estimated: true });
    const next = await as(t, admin.token).get(`/admin/users?q=bulk.example&limit=3&cursor=${first.body.meta.pagination.next_cursor}`);
    expect(names(next)).toEqual([`Bulk ${EXACT_COUNT_LIMIT + 497}`, `Bulk ${EXACT_COUNT_LIMIT + 496}`, `Bulk ${EXACT_COUNT_LIMIT + 495}`]);
    // A rarer term is read in one go and counted exactly.
    const rare = await as(t, admin.token).get('/admin/users?q=bulk1050&sort=email');
    expect(rare.body.meta.pagination).toMatchObject({ total: 2, total_estimated: false, has_next: false }); // bulk1050 and bulk10500
  });
});
