import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, installAuthAccounts, type AuthAccounts } from './admin-helpers.ts';
import { API, expectError, startTestApp, type Seeded, type TestApp } from './helpers.ts';

let t: TestApp;
let accounts: AuthAccounts;
let admin: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  accounts = installAuthAccounts(t);
  admin = await t.seedUser({ role: 'admin', displayName: 'Ada Admin' });
});
afterAll(() => t?.stop());

/** Parses our CSV (RFC 4180 quoting) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('GET /admin/reports (CSV)', () => {
  it('streams every matching user as CSV, in batches, oldest first, formulas defused', async () => {
    await t.db.pool.query(
      `INSERT INTO users.users (id, email, display_name, first_name, created_at)
       SELECT gen_random_uuid(), 'csv' || g || '@report.example', 'Csv ' || lpad(g::text, 4, '0'), CASE WHEN g = 1 THEN '=HYPERLINK("x")' END,
              '2020-01-01'::timestamptz + g * interval '1 minute'
         FROM generate_series(1, 2500) g`);
    const res = await request(t.app).get(`${API}/admin/reports?q=report.example`).set('authorization', admin.token)
      .buffer(true).parse((r, cb) => { let s = ''; r.setEncoding('utf8'); r.on('data', (c: string) => { s += c; }); r.on('end', () => cb(null, s)); });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(res.body as string);
    expect(rows[0]).toEqual(['id', 'email', 'display_name', 'first_name', 'last_name', 'role', 'status', 'locale', 'timezone', 'created_at', 'updated_at', 'deleted_at']);
    expect(rows).toHaveLength(2501);
    expect(rows[1]!.slice(1, 4)).toEqual(['csv1@report.example', 'Csv 0001', `'=HYPERLINK("x")`]);
    expect(rows[2500]![2]).toBe('Csv 2500');
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(2500);
  });

  it('keeps every row exactly once across batches when sign-ups share a millisecond (keyset on the timestamp column)', async () => {
    await t.db.pool.query(
      `INSERT INTO users.users (id, email, display_name, created_at)
       SELECT gen_random_uuid(), 'micro' || g || '@micro.example', 'Micro', '2021-06-01'::timestamptz + g * interval '1 microsecond'
         FROM generate_series(1, 2100) g`);
    const res = await as(t, admin.token).get('/admin/reports?q=micro.example');
    const emails = parseCsv(res.text).slice(1).map((r) => r[1]);
    expect(emails).toEqual(Array.from({ length: 2100 }, (_, i) => `micro${i + 1}@micro.example`));
  });

  it('applies the admin list filters, deleted users included unless filtered', async () => {
    await t.seedUser({ email: 'gone@filter.example', status: 'deleted' });
    await t.seedUser({ email: 'here@filter.example', role: 'admin' });
    const all = await as(t, admin.token).get('/admin/reports?q=filter.example');
    expect(parseCsv(all.text).slice(1).map((r) => r[1]).sort()).toEqual(['gone@filter.example', 'here@filter.example']);
    const admins = await as(t, admin.token).get('/admin/reports?q=filter.example&role=admin');
    expect(parseCsv(admins.text).slice(1).map((r) => r[1])).toEqual(['here@filter.example']);
    const none = await as(t, admin.token).get('/admin/reports?q=nobody.example');
    expect(parseCsv(none.text)).toHaveLength(1);
  });

  it.each([['an unknown parameter', '?format=xlsx', 400, 'VAL_001'], ['a bad status', '?status=x', 422, 'VAL_002']])('refuses %s with an envelope', async (_l, q, status, code) => {
    expectError(await as(t, admin.token).get(`/admin/reports${q}`), status as number, code as string);
  });
});

describe('GET /admin/stats', () => {
  it('counts by status and role and sign-ups per day, zero days included', async () => {
    const s = await startTestApp();
    try {
      const a = await s.seedUser({ role: 'admin' });
      await s.db.pool.query(
        `INSERT INTO users.users (id, email, display_name, status, role, created_at) VALUES
          (gen_random_uuid(), 's1@x.example', 'S1', 'active', 'user', '2024-03-01T10:00:00Z'),
          (gen_random_uuid(), 's2@x.example', 'S2', 'banned', 'user', '2024-03-01T23:59:59Z'),
          (gen_random_uuid(), 's3@x.example', 'S3', 'deleted', 'admin', '2024-03-03T00:00:00Z')`);
      const res = await as(s, a.token).get('/admin/stats?from=2024-03-01&to=2024-03-03');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        total: 4,
        by_status: { active: 2, banned: 1, deleted: 1 },
        by_role: { user: 2, admin: 2 },
        signups_per_day: { from: '2024-03-01', to: '2024-03-03', days: [{ date: '2024-03-01', count: 2 }, { date: '2024-03-02', count: 0 }, { date: '2024-03-03', count: 1 }] },
      });
      const recent = await as(s, a.token).get('/admin/stats');
      expect(recent.body.data.signups_per_day.days).toHaveLength(30);
      expect(recent.body.data.signups_per_day.days.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), count: 1 });
    } finally {
      await s.stop();
    }
  });

  it.each([
    ['to before from', '?from=2024-03-02&to=2024-03-01', 422, 'VAL_003'],
    ['over 366 days', '?from=2023-01-01&to=2024-03-01', 422, 'VAL_003'],
    ['a malformed date', '?from=March', 422, 'VAL_002'],
    ['an unknown parameter', '?group=week', 400, 'VAL_001'],
  ])('refuses %s', async (_l, q, status, code) => {
    expectError(await as(t, admin.token).get(`/admin/stats${q}`), status as number, code as string);
  });
});

describe('GET /admin/analytics', () => {
  it('computes daily active users and weekly retention by sign-up week from auth\'s login records, paged through', async () => {
    const s = await startTestApp();
    try {
      const acc = installAuthAccounts(s);
      const a = await s.seedUser({ role: 'admin' });
      // Cohort of the week of Mon 2024-01-01: 4 people; of the week of Mon 2024-01-08: 2 people.
      const ids = Array.from({ length: 6 }, () => randomUUID());
      const signup = ['2024-01-01', '2024-01-03', '2024-01-07', '2024-01-02', '2024-01-08', '2024-01-10'];
      await s.db.pool.query(
        `INSERT INTO users.users (id, email, display_name, created_at)
         SELECT i, i::text || '@a.example', 'A', d::timestamptz FROM unnest($1::uuid[], $2::text[]) AS x(i, d)`, [ids, signup]);
      const logins: AuthAccounts['logins'] = [];
      // Week 0: everyone of cohort 1 logs in; week 1: two of them and one of cohort 2.
      for (const i of [0, 1, 2, 3]) logins.push({ date: signup[i]!, user_id: ids[i]!, logins: 1 });
      logins.push({ date: '2024-01-09', user_id: ids[0]!, logins: 3 }, { date: '2024-01-09', user_id: ids[1]!, logins: 1 }, { date: '2024-01-10', user_id: ids[4]!, logins: 2 });
      // Many records of people unknown here, so auth answers several pages.
      for (let d = 0; d < 14; d++) for (let k = 0; k < 20; k++) logins.push({ date: `2024-01-${String(1 + d).padStart(2, '0')}`, user_id: randomUUID(), logins: 1 });
      logins.sort((x, y) => x.date.localeCompare(y.date) || x.user_id.localeCompare(y.user_id));
      acc.logins = logins;

      const res = await as(s, a.token).get('/admin/analytics?from=2024-01-01&to=2024-01-14');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const pages = acc.calls().filter((c) => c.path.endsWith('/logins/daily'));
      expect(pages.length).toBeGreaterThan(3);
      expect(pages[0]!.query).toMatchObject({ from: '2024-01-01', to: '2024-01-14', limit: '100', offset: '0' });
      const dau = res.body.data.daily_active_users as { date: string; users: number }[];
      expect(dau).toHaveLength(14);
      expect(dau[0]).toEqual({ date: '2024-01-01', users: 21 });
      expect(dau.find((d) => d.date === '2024-01-09')).toEqual({ date: '2024-01-09', users: 22 });
      expect(res.body.data.retention).toEqual([
        { cohort_week: '2024-01-01', signups: 4, weeks: [{ week: 0, active_users: 4, rate: 1 }, { week: 1, active_users: 2, rate: 0.5 }] },
        { cohort_week: '2024-01-08', signups: 2, weeks: [{ week: 0, active_users: 1, rate: 0.5 }] },
      ]);
    } finally {
      await s.stop();
    }
  });

  it('answers 503 when auth cannot give the login records', async () => {
    accounts.mode = 'fail500';
    try {
      expectError(await as(t, admin.token).get('/admin/analytics'), 503, 'EXT_002');
    } finally {
      accounts.mode = 'ok';
    }
  });

  it('refuses a range over 366 days', async () => {
    expectError(await as(t, admin.token).get('/admin/analytics?from=2020-01-01&to=2024-01-01'), 422, 'VAL_003');
  });
});
