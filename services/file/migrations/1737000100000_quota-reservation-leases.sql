-- Up Migration

-- Reservations of uploads in flight, one row per upload, so bytes reserved by a process that died
-- mid-upload (crash, deploy past the shutdown timeout) come back: a lease past expires_at no longer
-- belongs to a live request (no request outlives REQUEST_TIMEOUT_MS) and is reclaimed. quotas.reserved_bytes
-- stays the sum the conditional UPDATE checks; tus uploads keep theirs in tus_uploads.reserved_bytes.
CREATE TABLE files.quota_reservations (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  bytes      bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT quota_reservations_bytes_check CHECK (bytes >= 0)
);
CREATE INDEX quota_reservations_user_expires_idx ON files.quota_reservations (user_id, expires_at);
CREATE INDEX quota_reservations_expires_idx ON files.quota_reservations (expires_at);
