import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '@platform/shared/errors';
import { dayRange, decodeCursor, encodeCursor } from '../src/http/admin-schemas.ts';
import { mapAuthError } from '../src/infra/clients/auth-client.ts';
import type { AdminReads } from '../src/usecases/admin/admin-reads-port.ts';
import { getAnalytics } from '../src/usecases/admin/analytics.ts';
import type { DailyLogins, IdentityProvider } from '../src/usecases/admin/identity-port.ts';

const code = (err: unknown) => (isAppError(err) ? [err.code, err.status] : err);

describe('mapAuthError', () => {
  it('turns every failure of auth itself into one retryable 503', () => {
    for (const c of ['EXT_001', 'EXT_002', 'EXT_003'] as const) expect(code(mapAuthError(new AppError(c, 'x')))).toEqual(['EXT_002', 503]);
  });
  it('keeps auth\'s business answers and hides its refusal of our own token', () => {
    expect(code(mapAuthError(new AppError('BIZ_003', 'last admin')))).toEqual(['BIZ_003', 422]);
    expect(code(mapAuthError(new AppError('BIZ_002', 'taken')))).toEqual(['BIZ_002', 409]);
    expect(code(mapAuthError(new AppError('AUTH_003', 'no')))).toEqual(['EXT_003', 502]);
    const plain = new Error('bug');
    expect(mapAuthError(plain)).toBe(plain);
  });
});

describe('list cursors', () => {
  const c = { field: 'created_at', order: 'desc', value: '2024-01-01T00:00:00.123456Z', id: '0b6f3c1e-6f1a-4a8e-9d2b-1c2d3e4f5a6b' } as const;
  it('round-trip for the same sort', () => {
    expect(decodeCursor(encodeCursor(c), { field: 'created_at', order: 'desc' })).toEqual(c);
  });
  it('refuse another sort, another order, or garbage (422 VAL_002)', () => {
    for (const [raw, sort] of [
      [encodeCursor(c), { field: 'display_name', order: 'desc' }],
      [encodeCursor(c), { field: 'created_at', order: 'asc' }],
      ['not base64 json', { field: 'created_at', order: 'desc' }],
      [Buffer.from(JSON.stringify(['created_at', 'desc', 'yesterday', c.id])).toString('base64url'), { field: 'created_at', order: 'desc' }],
    ] as const) {
      expect(() => decodeCursor(raw, sort)).toThrow(expect.objectContaining({ code: 'VAL_002' }));
    }
  });
});

describe('dayRange', () => {
  const now = new Date('2024-05-31T12:00:00Z');
  it('defaults to the last n days and keeps given ends', () => {
    expect(dayRange({}, now, 30)).toEqual({ from: '2024-05-02', to: '2024-05-31' });
    expect(dayRange({ from: '2024-05-01', to: '2024-05-01' }, now, 30)).toEqual({ from: '2024-05-01', to: '2024-05-01' });
  });
  it('refuses reversed ranges and more than 366 days', () => {
    expect(() => dayRange({ from: '2024-05-02', to: '2024-05-01' }, now, 30)).toThrow(expect.objectContaining({ code: 'VAL_003' }));
    expect(() => dayRange({ from: '2023-01-01', to: '2024-01-02' }, now, 30)).toThrow(expect.objectContaining({ code: 'VAL_003' }));
    expect(dayRange({ from: '2023-01-01', to: '2024-01-01' }, now, 30)).toEqual({ from: '2023-01-01', to: '2024-01-01' });
  });
});

describe('getAnalytics', () => {
  const reads = (signups: Record<string, string>, cohorts: Record<string, number>): AdminReads => ({
    counts: async () => ({ total: 0, byStatus: {}, byRole: {} }),
    signupsPerDay: async () => [],
    reportBatches: async function* () { /* unused */ },
    signupDays: async (ids) => new Map(ids.filter((i) => signups[i]).map((i) => [i, signups[i]!])),
    cohortSizes: async () => new Map(Object.entries(cohorts)),
  });
  const accounts = (rows: DailyLogins[]): IdentityProvider => ({
    updateIdentity: async () => { throw new Error('unused'); },
    invite: async () => [],
    dailyLogins: async (_range, { limit, offset }) => rows.slice(offset, offset + limit),
  });

  it('counts a week as the Monday-to-Sunday week of the login, relative to the sign-up week', async () => {
    // Sunday 2024-01-07 belongs to the week of Monday 2024-01-01; Monday 2024-01-08 starts week 1.
    const result = await getAnalytics(
      { adminReads: reads({ a: '2024-01-07', b: '2024-01-01' }, { '2024-01-01': 2 }), accounts: accounts([
        { date: '2024-01-07', userId: 'a', logins: 1 }, { date: '2024-01-08', userId: 'a', logins: 1 }, { date: '2024-01-14', userId: 'b', logins: 2 },
      ]) },
      { from: '2024-01-01', to: '2024-01-15' },
    );
    expect(result.retention).toEqual([{ cohortWeek: '2024-01-01', signups: 2, weeks: [
      { week: 0, activeUsers: 1, rate: 0.5 }, { week: 1, activeUsers: 2, rate: 1 }, { week: 2, activeUsers: 0, rate: 0 },
    ] }]);
    expect(result.dailyActiveUsers).toHaveLength(15);
    expect(result.dailyActiveUsers.filter((d) => d.users > 0)).toEqual([
      { date: '2024-01-07', users: 1 }, { date: '2024-01-08', users: 1 }, { date: '2024-01-14', users: 1 },
    ]);
  });

  it('reads every page, four at a time, until a short one', async () => {
    const rows = Array.from({ length: 750 }, (_, i) => ({ date: '2024-01-01', userId: `u${i}`, logins: 1 }));
    const result = await getAnalytics({ adminReads: reads({}, {}), accounts: accounts(rows) }, { from: '2024-01-01', to: '2024-01-01' });
    expect(result.dailyActiveUsers).toEqual([{ date: '2024-01-01', users: 750 }]);
  });
});
