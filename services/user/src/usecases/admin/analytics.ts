import { AppError } from '@platform/shared/errors';
import type { AdminDeps } from './admin-deps.ts';
import type { DailyLogins } from './identity-port.ts';

export type Analytics = {
  from: string;
  to: string;
  dailyActiveUsers: { date: string; users: number }[];
  /** Per sign-up week (Monday) in the range: how many signed up, and how many of them signed in each week since. */
  retention: { cohortWeek: string; signups: number; weeks: { week: number; activeUsers: number; rate: number }[] }[];
};

const PAGE = 100; // auth's page limit
const PARALLEL_PAGES = 4;
/** Beyond this many (user, day) login records the admin is asked for a shorter range. */
export const MAX_LOGIN_ROWS = 200_000;

const DAY_MS = 86_400_000;
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The Monday of a day's ISO week. */
const mondayOf = (date: string) => {
  const ms = dayMs(date);
  return isoDay(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
};

/** Every login record in the range, page by page through auth's internal API (a few pages at once). */
async function* loginPages(deps: Pick<AdminDeps, 'accounts'>, range: { from: string; to: string }): AsyncIterable<DailyLogins[]> {
  let offset = 0;
  for (;;) {
    const offsets = Array.from({ length: PARALLEL_PAGES }, (_, i) => offset + i * PAGE);
    const pages = await Promise.all(offsets.map((o) => deps.accounts.dailyLogins(range, { limit: PAGE, offset: o })));
    for (const page of pages) {
      yield page;
      if (page.length < PAGE) return;
    }
    offset += PARALLEL_PAGES * PAGE;
    if (offset >= MAX_LOGIN_ROWS) {
      throw new AppError('BIZ_003', 'Too many login records in this range; ask for a shorter one', {
        details: [{ field: 'from', issue: 'too_many_records', message: `More than ${MAX_LOGIN_ROWS} daily login records` }],
      });
    }
  }
}

/**
 * GET /admin/analytics: daily active users and weekly retention by sign-up week, from auth's
 * per-user daily login records (GET /internal/logins/daily, paginated through) and the sign-up
 * dates held here. auth unavailable → 503.
 */
export async function getAnalytics(deps: Pick<AdminDeps, 'accounts' | 'adminReads'>, range: { from: string; to: string }): Promise<Analytics> {
  const dau = new Map<string, number>();
  const activeWeeks = new Map<string, Set<string>>(); // user id -> Mondays of weeks with a login
  for await (const page of loginPages(deps, range)) {
    for (const r of page) {
      dau.set(r.date, (dau.get(r.date) ?? 0) + 1);
      let weeks = activeWeeks.get(r.userId);
      if (!weeks) activeWeeks.set(r.userId, (weeks = new Set()));
      weeks.add(mondayOf(r.date));
    }
  }

  const dailyActiveUsers: Analytics['dailyActiveUsers'] = [];
  for (let ms = dayMs(range.from); ms <= dayMs(range.to); ms += DAY_MS) dailyActiveUsers.push({ date: isoDay(ms), users: dau.get(isoDay(ms)) ?? 0 });

  const [cohorts, signups] = await Promise.all([
    deps.adminReads.cohortSizes(range.from, range.to),
    deps.adminReads.signupDays([...activeWeeks.keys()]),
  ]);
  const lastWeek = mondayOf(range.to);
  const active = new Map<string, number>(); // `${cohort}|${week}` -> users
  for (const [userId, weeks] of activeWeeks) {
    const day = signups.get(userId);
    if (!day) continue;
    const cohort = mondayOf(day);
    if (!cohorts.has(cohort)) continue;
    for (const week of weeks) {
      const n = Math.round((dayMs(week) - dayMs(cohort)) / (7 * DAY_MS));
      if (n >= 0) active.set(`${cohort}|${n}`, (active.get(`${cohort}|${n}`) ?? 0) + 1);
    }
  }
  const retention = [...cohorts.entries()].map(([cohortWeek, size]) => {
    const span = Math.round((dayMs(lastWeek) - dayMs(cohortWeek)) / (7 * DAY_MS));
    const weeks = Array.from({ length: span + 1 }, (_, week) => {
      const activeUsers = active.get(`${cohortWeek}|${week}`) ?? 0;
      return { week, activeUsers, rate: size > 0 ? Math.round((activeUsers / size) * 10_000) / 10_000 : 0 };
    });
    return { cohortWeek, signups: size, weeks };
  });
  return { ...range, dailyActiveUsers, retention };
}
