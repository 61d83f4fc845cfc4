/** What a change is about. The CHECK in the migration also allows 'profile' (not written yet). */
export type ChangeEntity = 'user' | 'file' | 'notification';
export type ChangeOp = 'upsert' | 'delete';

/** One row of the change log: `id` is the cursor (monotonic, and commits in id order). */
export type Change = {
  id: number;
  entity: ChangeEntity;
  entityId: string;
  /** The owner: the user for 'user', the file's owner for 'file', the recipient for 'notification'. */
  userId: string | null;
  op: ChangeOp;
  /** The entity's current data for an upsert; null for a delete (a tombstone). */
  data: Record<string, unknown> | null;
  eventId: string;
  occurredAt: Date;
  createdAt: Date;
};

/**
 * A change as the feed answers it: its JSON {id, entity, entity_id, user_id, op, data, occurred_at,
 * created_at} rendered by the database (the read path only concatenates), with what the readers need.
 */
export type RenderedChange = { id: number; userId: string | null; json: string };

/** A change to append; the log assigns id and created_at. */
export type NewChange = Pick<Change, 'entity' | 'entityId' | 'userId' | 'op' | 'data'>;

/** The fields of a user record the feed carries (the user service's record minus admin bookkeeping). */
export const USER_FEED_FIELDS = [
  'id', 'email', 'display_name', 'first_name', 'last_name', 'avatar_file_id', 'bio', 'locale', 'timezone',
  'role', 'status', 'version', 'created_at', 'updated_at',
] as const;

export function userFeedData(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of USER_FEED_FIELDS) if (key in record) out[key] = record[key];
  return out;
}

/** Same JSON value (key order ignored), to skip a change that repeats the entity's latest state. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Whether a freshly fetched user record should be written after `latest` (the entity's newest change):
 * not after a tombstone (a late event must not bring a deleted user back), not when the log already
 * has a newer version (or the same version updated later: two lookups may finish out of order), and
 * not when it repeats the latest data.
 */
export function userUpsertNeeded(latest: Pick<Change, 'op' | 'data'> | null, next: Record<string, unknown>): boolean {
  if (!latest) return true;
  if (latest.op === 'delete') return false;
  const had = Number(latest.data?.version);
  const has = Number(next.version);
  if (Number.isFinite(had) && Number.isFinite(has) && had > has) return false;
  // Same version (a change that does not bump it, e.g. a ban): the later updated_at wins.
  if (had === has && Date.parse(String(latest.data?.updated_at)) > Date.parse(String(next.updated_at))) return false;
  return !sameData(latest.data, next);
}

/**
 * Whether a notification's read state from an event changed at `changedAt` should be written after
 * `latest` (its newest change): not when the log already has a later change time (events may
 * arrive out of order: a late "read" must not undo a newer "unread"), nor when it repeats the
 * latest state at the same time, nor after a tombstone.
 */
export function readStateNeeded(latest: Pick<Change, 'op' | 'data'> | null, next: { read: boolean; changed_at: string }): boolean {
  if (!latest) return true;
  if (latest.op === 'delete') return false;
  const had = Date.parse(String(latest.data?.changed_at));
  const has = Date.parse(next.changed_at);
  if (Number.isFinite(had) && had > has) return false;
  return !(had === has && latest.data?.read === next.read);
}
