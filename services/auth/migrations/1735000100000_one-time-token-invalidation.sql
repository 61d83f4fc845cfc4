-- Up Migration

-- A newer link (or an email change) supersedes the unused links of the same purpose. Kept apart
-- from used_at so a client can be told "replaced by a newer link" rather than "already used".
ALTER TABLE auth.one_time_tokens ADD COLUMN invalidated_at timestamptz;

-- Down Migration

ALTER TABLE auth.one_time_tokens DROP COLUMN IF EXISTS invalidated_at;
