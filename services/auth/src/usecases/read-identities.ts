import { accountErrors } from '../domain/account-errors.ts';
import type { DailyLogins } from '../domain/audit-record.ts';
import { checkDayRange } from '../domain/day-range.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import type { Page } from './ports.ts';

/** Longest range of the daily-login report: a year, leap day included. */
export const DAILY_LOGINS_MAX_DAYS = 366;

/** One identity for another service; deleted and banned ones too (the caller decides what they mean). */
export async function getIdentity(deps: Pick<AuthDeps, 'db' | 'users'>, id: string): Promise<User> {
  const user = await deps.users.findById(deps.db, id);
  if (!user) throw accountErrors.userNotFound(id);
  return user;
}

/** Several identities at once, in the order asked, plus the ids that match nobody. */
export async function lookupIdentities(deps: Pick<AuthDeps, 'db' | 'users'>, ids: string[]): Promise<{ users: User[]; missing: string[] }> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const found = new Map((await deps.users.findManyByIds(deps.db, unique)).map((u) => [u.id, u]));
  return {
    users: unique.flatMap((id) => found.get(id) ?? []),
    missing: unique.filter((id) => !found.has(id)),
  };
}

/** Successful logins per user and UTC day, from the audit trail, for the user service's analytics. */
export function dailyLogins(
  deps: Pick<AuthDeps, 'db' | 'auditReader'>, q: { from: string; to: string; userId?: string }, page: Page,
): Promise<{ items: DailyLogins[]; total: number }> {
  const problem = checkDayRange(q.from, q.to, DAILY_LOGINS_MAX_DAYS);
  if (problem) throw accountErrors.invalidRange(problem);
  return deps.auditReader.dailyLogins(deps.db, q, page);
}
