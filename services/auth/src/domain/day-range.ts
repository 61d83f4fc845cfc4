import type { FieldIssue } from './field-issue.ts';

const DAY_MS = 86_400_000;

/** Days in an inclusive range of ISO dates (YYYY-MM-DD, UTC): 2025-01-01..2025-01-01 is one day. */
export const daysInRange = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;

/** A range problem on the `to` side, or null: `to` before `from`, or longer than maxDays. */
export function checkDayRange(from: string, to: string, maxDays: number): FieldIssue | null {
  const days = daysInRange(from, to);
  if (days < 1) return { field: 'to', issue: 'before_from', message: 'Must not be before from' };
  if (days > maxDays) return { field: 'to', issue: 'range_too_long', message: `Must be at most ${maxDays} days after from (inclusive)` };
  return null;
}
