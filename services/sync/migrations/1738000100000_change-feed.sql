-- Up Migration

-- The change feed (S2). One event may write several changes (user.deleted: the user's tombstone and
-- one per file still known), so a change is unique per (event, entity): a redelivered event writes
-- nothing twice (the consumer's inbox already skips it; this is the second guard).
ALTER TABLE sync.changes DROP CONSTRAINT changes_event_key;
ALTER TABLE sync.changes ADD CONSTRAINT changes_event_entity_key UNIQUE (event_id, entity, entity_id);
-- The latest change of one entity (skip stale or repeated changes, files of a deleted user).
CREATE INDEX changes_entity_idx ON sync.changes (entity, entity_id, id);

-- One row: every change with id <= pruned_through was pruned (retention); a cursor below it gets 410.
CREATE TABLE sync.change_feed_state (
  singleton      boolean PRIMARY KEY DEFAULT true,
  pruned_through bigint NOT NULL DEFAULT 0,
  pruned_at      timestamptz,
  CONSTRAINT change_feed_state_singleton CHECK (singleton)
);
INSERT INTO sync.change_feed_state DEFAULT VALUES;

-- Down Migration
DROP TABLE sync.change_feed_state;
DROP INDEX sync.changes_entity_idx;
ALTER TABLE sync.changes DROP CONSTRAINT changes_event_entity_key;
ALTER TABLE sync.changes ADD CONSTRAINT changes_event_key UNIQUE (event_id);
