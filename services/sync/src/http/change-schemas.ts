import { z } from 'zod';
import type { Since } from '../usecases/read-changes.ts';

export const MAX_CHANGES_LIMIT = 1_000;
export const DEFAULT_CHANGES_LIMIT = 100;

const cursor = z.string().regex(/^(\d{1,15}|latest)$/, 'Expected a cursor (a next_cursor or change id) or "latest"');

/** GET /sync/changes and /services/users/sync. */
export const changesQuery = z.strictObject({
  since: cursor.optional(),
  limit: z.string().regex(/^\d{1,7}$/, 'Expected an integer').transform(Number)
    .pipe(z.number().int().min(1).max(MAX_CHANGES_LIMIT)).optional(),
});

/** GET /sync/stream (Last-Event-ID is read from the header, or from ?since=). */
export const streamQuery = z.strictObject({ since: cursor.optional() });

/** No since: from the oldest change kept. */
export const sinceOf = (raw: string | undefined): Since =>
  raw === undefined ? 'oldest' : raw === 'latest' ? 'latest' : { after: Number(raw) };
