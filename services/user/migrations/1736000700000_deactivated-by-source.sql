-- Up Migration

-- A ban that sync's batch-deactivate made because the person vanished from this source (null for
-- every other ban): batch-upsert lifts exactly these when the person reappears in the same source.
-- Any admin change of status clears it.
ALTER TABLE users.users ADD COLUMN deactivated_by_source text;

-- Down Migration

ALTER TABLE users.users DROP COLUMN IF EXISTS deactivated_by_source;
