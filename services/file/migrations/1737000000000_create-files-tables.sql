-- Up Migration

-- One row per stored file. The bytes live in the storage driver under storage_key; a soft-deleted
-- row keeps the key until the cleanup job has removed the bytes (purged_at).
CREATE TABLE files.files (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id           uuid NOT NULL,
  name               text NOT NULL,
  original_name      text NOT NULL,
  size               bigint NOT NULL,
  content_type       text NOT NULL,
  sha256             text NOT NULL,
  storage_key        text NOT NULL,
  status             text NOT NULL DEFAULT 'active',
  download_count     bigint NOT NULL DEFAULT 0,
  last_downloaded_at timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  created_by         uuid,
  updated_by         uuid,
  deleted_at         timestamptz,
  purged_at          timestamptz,
  version            integer NOT NULL DEFAULT 1,
  CONSTRAINT files_storage_key_key UNIQUE (storage_key),
  CONSTRAINT files_status_check CHECK (status IN ('active', 'deleted')),
  CONSTRAINT files_deleted_check CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)),
  CONSTRAINT files_size_check CHECK (size >= 0),
  CONSTRAINT files_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  CONSTRAINT files_name_check CHECK (length(name) BETWEEN 1 AND 255)
);
CREATE INDEX files_owner_created_idx ON files.files (owner_id, created_at DESC, id) WHERE deleted_at IS NULL;
CREATE INDEX files_created_idx ON files.files (created_at DESC, id) WHERE deleted_at IS NULL;
-- The cleanup job's work list: deleted rows whose bytes are still there.
CREATE INDEX files_unpurged_idx ON files.files (deleted_at) WHERE deleted_at IS NOT NULL AND purged_at IS NULL;

-- Bytes per user. reserved_bytes covers uploads in flight: an upload reserves its size with one
-- conditional UPDATE before writing, so parallel uploads cannot overshoot the limit together.
CREATE TABLE files.quotas (
  user_id        uuid PRIMARY KEY,
  limit_bytes    bigint,
  used_bytes     bigint NOT NULL DEFAULT 0,
  reserved_bytes bigint NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  updated_by     uuid,
  CONSTRAINT quotas_limit_check CHECK (limit_bytes IS NULL OR limit_bytes >= 0),
  CONSTRAINT quotas_used_check CHECK (used_bytes >= 0),
  CONSTRAINT quotas_reserved_check CHECK (reserved_bytes >= 0)
);

-- Signed download links; the signature itself is never stored (it is recomputed from the secret).
CREATE TABLE files.links (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  file_id    uuid NOT NULL REFERENCES files.files (id) ON DELETE CASCADE,
  created_by uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX links_file_idx ON files.links (file_id);

-- tus resumable uploads in progress; completed_file_id is set when the finished upload became a file.
CREATE TABLE files.tus_uploads (
  id                text PRIMARY KEY,
  owner_id          uuid NOT NULL,
  size              bigint,
  reserved_bytes    bigint NOT NULL DEFAULT 0,
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  completed_file_id uuid REFERENCES files.files (id) ON DELETE SET NULL,
  CONSTRAINT tus_uploads_size_check CHECK (size IS NULL OR size >= 0),
  CONSTRAINT tus_uploads_reserved_check CHECK (reserved_bytes >= 0)
);
CREATE INDEX tus_uploads_owner_idx ON files.tus_uploads (owner_id);
CREATE INDEX tus_uploads_expires_idx ON files.tus_uploads (expires_at) WHERE completed_file_id IS NULL;
