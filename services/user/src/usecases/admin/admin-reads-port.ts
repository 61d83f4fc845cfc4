import type { UserListFilter } from './list-port.ts';

export type UserCounts = {
  total: number;
  byStatus: Record<string, number>;
  byRole: Record<string, number>;
};

/** One CSV line's worth of a user (the report never holds more than a batch of these). */
export type ReportRow = {
  id: string; email: string; displayName: string; firstName: string | null; lastName: string | null;
  role: string; status: string; locale: string | null; timezone: string | null;
  createdAt: string; updatedAt: string; deletedAt: string | null;
};

/** Aggregate and bulk reads for the admin routes. */
export type AdminReads = {
  counts(): Promise<UserCounts>;
  /** Sign-ups per UTC day in [from, to] (YYYY-MM-DD, inclusive), days without any included as 0. */
  signupsPerDay(from: string, to: string): Promise<{ date: string; count: number }[]>;
  /** The users matching a filter, oldest first, in batches read by keyset (never all rows at once). */
  reportBatches(filter: UserListFilter, batchSize: number): AsyncIterable<ReportRow[]>;
  /** Sign-up UTC day (YYYY-MM-DD) of each id that exists. */
  signupDays(ids: readonly string[]): Promise<Map<string, string>>;
  /** Users per sign-up week (Monday, YYYY-MM-DD) for sign-ups in [from, to]. */
  cohortSizes(from: string, to: string): Promise<Map<string, number>>;
};
