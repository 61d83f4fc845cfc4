import type { Change, ChangeEntity, ChangeOp } from '../domain/change.ts';
import type { ChangeLog } from '../usecases/change-feed-ports.ts';

// Held from before the first nextval() until the writer's transaction ends: ids commit in order.
const APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('sync.changes.append', 0))";
// Transaction-level too, but tried: one pruner at a time across replicas, the others skip.
const PRUNE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended('sync.changes.prune', 0)) AS ok";

const COLUMNS = 'id, entity, entity_id, user_id, op, data, event_id, occurred_at, created_at';

type Row = {
  id: string; entity: ChangeEntity; entity_id: string; user_id: string | null; op: ChangeOp;
  data: Record<string, unknown> | null; event_id: string; occurred_at: Date; created_at: Date;
};

const toChange = (r: Row): Change => ({
  id: Number(r.id), entity: r.entity, entityId: r.entity_id, userId: r.user_id, op: r.op, data: r.data,
  eventId: r.event_id, occurredAt: r.occurred_at, createdAt: r.created_at,
});

// One statement, so the page, the head and the watermark share a snapshot (a row with null
// columns when the page is empty). The head is the highest committed id: under the append lock no id
// below it can still commit. Scalar subqueries keep the row estimate at the page size (a join with
// the never-analyzed state table made the planner expect millions of rows and pay ~120 ms of JIT).
// Each change comes back as its answer's JSON text (no jsonb parse and re-stringify in Node).
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const pageSql = (filter: string) => `
  SELECT (SELECT pruned_through FROM sync.change_feed_state) AS pruned_through,
         (SELECT max(id) FROM sync.changes) AS head, c.id, c.user_id, c.json
    FROM (VALUES (1)) one (x)
    LEFT JOIN LATERAL (
      SELECT id, user_id,
             json_build_object('id', id, 'entity', entity, 'entity_id', entity_id, 'user_id', user_id, 'op', op, 'data', data,
                               'occurred_at', ${iso('occurred_at')}, 'created_at', ${iso('created_at')})::text AS json
        FROM sync.changes WHERE id > $1 ${filter} ORDER BY id LIMIT $2
    ) c ON true
   ORDER BY c.id`;
const PAGE_ALL = pageSql('');
const PAGE_USER = pageSql('AND user_id = $3');

export function createPgChangeLog(): ChangeLog {
  return {
    async lockForAppend(tx) {
      await tx.query(APPEND_LOCK);
    },

    async latest(tx, entity, entityId) {
      const { rows } = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM sync.changes WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1`, [entity, entityId]);
      return rows[0] ? toChange(rows[0]) : null;
    },

    async latestMany(tx, entity, entityIds) {
      const { rows } = await tx.query<Row>(
        `SELECT DISTINCT ON (entity_id) ${COLUMNS} FROM sync.changes
          WHERE entity = $1 AND entity_id = ANY($2::text[]) ORDER BY entity_id, id DESC`, [entity, entityIds]);
      return new Map(rows.map((r) => [r.entity_id, toChange(r)]));
    },

    async append(tx, event, changes) {
      await tx.query(APPEND_LOCK);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO sync.changes (entity, entity_id, user_id, op, data, event_id, occurred_at)
         SELECT c.entity, c.entity_id, c.user_id, c.op, c.data, $6, $7
           FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::jsonb[]) WITH ORDINALITY
                AS c (entity, entity_id, user_id, op, data, n)
          ORDER BY c.n
         ON CONFLICT (event_id, entity, entity_id) DO NOTHING
         RETURNING id`,
        [changes.map((c) => c.entity), changes.map((c) => c.entityId), changes.map((c) => c.userId), changes.map((c) => c.op),
          changes.map((c) => (c.data === null ? null : JSON.stringify(c.data))), event.id, event.occurredAt]);
      return rows.map((r) => Number(r.id));
    },

    async liveFilesOf(tx, userId) {
      const { rows } = await tx.query<{ entity_id: string }>(
        `SELECT entity_id FROM (
           SELECT DISTINCT ON (entity_id) entity_id, op FROM sync.changes
            WHERE user_id = $1 AND entity = 'file' ORDER BY entity_id, id DESC
         ) latest WHERE op = 'upsert' ORDER BY entity_id`, [userId]);
      return rows.map((r) => r.entity_id);
    },

    async eraseOwnedBy(tx, userId) {
      const { rowCount } = await tx.query('DELETE FROM sync.changes WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },

    async page(db, { after, userId, limit }) {
      const { rows } = await db.query<{ pruned_through: string; head: string | null; id: string | null; user_id: string | null; json: string | null }>(
        userId ? PAGE_USER : PAGE_ALL, userId ? [after, limit, userId] : [after, limit]);
      const first = rows[0];
      const prunedThrough = Number(first?.pruned_through ?? 0);
      return {
        rows: rows.flatMap((r) => (r.id === null ? [] : [{ id: Number(r.id), userId: r.user_id, json: r.json! }])),
        head: Math.max(Number(first?.head ?? 0), prunedThrough),
        prunedThrough,
      };
    },

    async prune(tx, cutoff, batch) {
      const { rows: [lock] } = await tx.query<{ ok: boolean }>(PRUNE_LOCK);
      if (!lock?.ok) return 0;
      // Everything up to the newest id created before the cutoff goes, in id order (never a hole
      // below the watermark), at most `batch` rows per call.
      const { rows } = await tx.query<{ deleted: string; through: string | null }>(
        `WITH upto AS (
           SELECT id FROM sync.changes WHERE id <= (SELECT max(id) FROM sync.changes WHERE created_at < $1)
            ORDER BY id LIMIT $2
         ), gone AS (
           DELETE FROM sync.changes c USING upto WHERE c.id = upto.id RETURNING c.id
         ), moved AS (
           UPDATE sync.change_feed_state SET pruned_through = GREATEST(pruned_through, (SELECT max(id) FROM gone)), pruned_at = now()
            WHERE (SELECT max(id) FROM gone) IS NOT NULL
         )
         SELECT (SELECT count(*) FROM gone) AS deleted, (SELECT max(id) FROM gone) AS through`,
        [cutoff, batch]);
      return Number(rows[0]?.deleted ?? 0);
    },
  };
}
