import type { JobMode } from '../domain/job.ts';

/**
 * Where a connection's reading stands: pos is the provider's position of the next page (null: at the
 * start), since the watermark this run reads from (incremental runs), max the highest watermark seen.
 */
export type SyncCursor = { pos: string | null; since: string | null; max: string | null };

const EMPTY: SyncCursor = { pos: null, since: null, max: null };

export function parseCursor(raw: string | null): SyncCursor {
  if (!raw) return EMPTY;
  try {
    const v = JSON.parse(raw) as Partial<SyncCursor>;
    const s = (x: unknown) => (typeof x === 'string' ? x : null);
    return { pos: s(v.pos), since: s(v.since), max: s(v.max) };
  } catch {
    return EMPTY;
  }
}

export const serializeCursor = (c: SyncCursor): string => JSON.stringify(c);

/**
 * Where a new run starts from the connection's cursor: a full run reads everything; an incremental
 * run continues a run that stopped half-way, or else reads what changed since the last watermark.
 */
export function startCursor(connectionCursor: SyncCursor, mode: JobMode): SyncCursor {
  if (mode === 'full') return { pos: null, since: null, max: connectionCursor.max };
  if (connectionCursor.pos !== null) return connectionCursor;
  return { pos: null, since: connectionCursor.max, max: connectionCursor.max };
}

export const maxWatermark = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a >= b ? a : b);
