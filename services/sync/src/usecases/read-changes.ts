import { AppError } from '@platform/shared/errors';
import type { RenderedChange } from '../domain/change.ts';
import type { ChangeFeedDeps } from './change-feed-ports.ts';

/** Where to read from: after a cursor, from the oldest retained change, or from now on. */
export type Since = { after: number } | 'oldest' | 'latest';

export type ChangesRead = {
  items: RenderedChange[];
  /** Pass as `since` next time: the last change returned, or the head of the log when the caller has seen everything. */
  nextCursor: number;
  hasMore: boolean;
};

/** The refusal of a cursor whose changes were pruned (guide code BIZ_001 with status 410 Gone). */
export function cursorExpired(cursor: number, prunedThrough: number, retentionDays: number): AppError {
  return new AppError('BIZ_001', `The cursor ${cursor} is older than the change feed's retention window (${retentionDays} days): resync fully, then read changes from the cursor of that resync (since=latest before it starts)`, {
    status: 410,
    details: [{ field: 'since', issue: 'cursor_expired', message: `Changes up to ${prunedThrough} were pruned; a full resync is needed` }],
  });
}

/**
 * One page of the change feed: every user's changes (userId null, service accounts) or one user's.
 * The page, the head and the retention watermark come from one snapshot: a cursor below the
 * watermark is refused with 410 (never a silent gap), and when nothing more is there the cursor
 * moves to the head, so an idle reader's cursor keeps up with the log and stays inside the window.
 */
export async function readChanges(
  deps: Pick<ChangeFeedDeps, 'db' | 'changes' | 'retentionDays'>,
  q: { since: Since; limit: number; userId: string | null },
): Promise<ChangesRead> {
  if (q.since === 'latest') {
    const { head } = await deps.changes.page(deps.db, { after: Number.MAX_SAFE_INTEGER, userId: null, limit: 1 });
    return { items: [], nextCursor: head, hasMore: false };
  }
  const after = q.since === 'oldest' ? 0 : q.since.after;
  const { rows, head, prunedThrough } = await deps.changes.page(deps.db, { after, userId: q.userId, limit: q.limit + 1 });
  if (q.since !== 'oldest' && after < prunedThrough) throw cursorExpired(after, prunedThrough, deps.retentionDays);
  const hasMore = rows.length > q.limit;
  const items = hasMore ? rows.slice(0, q.limit) : rows;
  const last = items.at(-1)?.id ?? after;
  return { items, hasMore, nextCursor: hasMore ? last : Math.max(last, head) };
}
