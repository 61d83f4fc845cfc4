// Kong's fixed windows (kong/tools/timestamp.lua get_timestamps + rate-limiting/expiration.lua):
// each period starts on a UTC boundary (second, minute, hour, day, 1st of the month, 1st of
// January) and a counter lives EXPIRATION seconds. A month is counted as 30 days and a year as
// 365 for the Reset header, exactly as Kong does, even though the window itself follows the calendar.

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

export const EXPIRATION: Record<Period, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  month: 2_592_000,
  year: 31_536_000,
};

const FIXED_MS: Partial<Record<Period, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Start of the period containing `nowMs`, in ms (Kong's period_date). */
export function periodStart(period: Period, nowMs: number): number {
  const size = FIXED_MS[period];
  if (size !== undefined) return nowMs - (nowMs % size);
  const date = new Date(nowMs);
  return period === 'month' ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) : Date.UTC(date.getUTCFullYear(), 0, 1);
}

/** Start of the next period (when the current window's counters stop counting). */
export function periodEnd(period: Period, start: number): number {
  const size = FIXED_MS[period];
  if (size !== undefined) return start + size;
  const date = new Date(start);
  return period === 'month'
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
    : Date.UTC(date.getUTCFullYear() + 1, 0, 1);
}

/** Seconds until the window resets, as Kong's RateLimit-Reset: max(1, window - elapsed seconds). */
export function resetSeconds(period: Period, start: number, nowMs: number): number {
  return Math.max(1, EXPIRATION[period] - Math.floor((nowMs - start) / 1000));
}

export const X_LIMIT_HEADER: Record<Period, string> = {
  second: 'X-RateLimit-Limit-Second',
  minute: 'X-RateLimit-Limit-Minute',
  hour: 'X-RateLimit-Limit-Hour',
  day: 'X-RateLimit-Limit-Day',
  month: 'X-RateLimit-Limit-Month',
  year: 'X-RateLimit-Limit-Year',
};

export const X_REMAINING_HEADER: Record<Period, string> = {
  second: 'X-RateLimit-Remaining-Second',
  minute: 'X-RateLimit-Remaining-Minute',
  hour: 'X-RateLimit-Remaining-Hour',
  day: 'X-RateLimit-Remaining-Day',
  month: 'X-RateLimit-Remaining-Month',
  year: 'X-RateLimit-Remaining-Year',
};
