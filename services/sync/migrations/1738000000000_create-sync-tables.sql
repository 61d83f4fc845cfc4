-- Up Migration

-- A source of people (an LMS, an HR system, a CSV file). settings holds only non-secret values;
-- credentials live in secrets_encrypted (AES-256-GCM with SYNC_SECRET_KEY, "v1.<iv>.<tag>.<data>"),
-- secret_keys lists which secrets are set so the API can say so without decrypting. cursor is the
-- provider's position after the last committed page of an incremental run.
CREATE TABLE sync.connections (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name              text NOT NULL,
  provider          text NOT NULL,
  settings          jsonb NOT NULL DEFAULT '{}',
  secrets_encrypted text,
  secret_keys       text[] NOT NULL DEFAULT '{}',
  schedule          text,
  enabled           boolean NOT NULL DEFAULT true,
  cursor            text,
  last_full_run_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  created_by        uuid,
  updated_by        uuid,
  deleted_at        timestamptz,
  version           integer NOT NULL DEFAULT 1,
  CONSTRAINT connections_provider_check CHECK (provider IN ('rest-json', 'csv', 'canvas')),
  CONSTRAINT connections_settings_object CHECK (jsonb_typeof(settings) = 'object')
);
CREATE UNIQUE INDEX connections_name_key ON sync.connections (lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX connections_scheduled_idx ON sync.connections (id) WHERE schedule IS NOT NULL AND enabled AND deleted_at IS NULL;

-- One run of a connection. counts: fetched, created, updated, unchanged, deleted, failed.
-- cursor_start is where the run began, cursor where its last committed page ended; heartbeat_at is
-- bumped while a worker holds the job, so a job whose worker died can be taken over.
CREATE TABLE sync.jobs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  connection_id    uuid NOT NULL REFERENCES sync.connections (id) ON DELETE CASCADE,
  trigger          text NOT NULL,
  mode             text NOT NULL,
  status           text NOT NULL DEFAULT 'queued',
  counts           jsonb NOT NULL DEFAULT '{"fetched":0,"created":0,"updated":0,"unchanged":0,"deleted":0,"failed":0}',
  cursor_start     text,
  cursor           text,
  pages            integer NOT NULL DEFAULT 0,
  error            text,
  paused_until     timestamptz,
  pause_reason     text,
  attempts         integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  requested_by     uuid,
  worker           text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  heartbeat_at     timestamptz,
  CONSTRAINT jobs_trigger_check CHECK (trigger IN ('schedule', 'manual')),
  CONSTRAINT jobs_mode_check CHECK (mode IN ('incremental', 'full')),
  CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'partially_succeeded', 'cancelled'))
);
CREATE INDEX jobs_connection_idx ON sync.jobs (connection_id, created_at DESC);
CREATE INDEX jobs_created_idx ON sync.jobs (created_at DESC, id DESC);
-- At most one unfinished job per connection: a second run request gets the running one back.
CREATE UNIQUE INDEX jobs_one_active_per_connection ON sync.jobs (connection_id) WHERE status IN ('queued', 'running');

-- The per-record error log of a job (raw never holds secrets: it is the provider's record).
CREATE TABLE sync.job_errors (
  id         bigserial PRIMARY KEY,
  job_id     uuid NOT NULL REFERENCES sync.jobs (id) ON DELETE CASCADE,
  record_ref text,
  field      text,
  message    text NOT NULL,
  raw        jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_errors_job_idx ON sync.job_errors (job_id, id);

-- Which external ids the source still had in its last full run: whatever was seen before but not
-- in this run vanished from the source and is deactivated (never hard-deleted).
CREATE TABLE sync.seen_records (
  connection_id uuid NOT NULL REFERENCES sync.connections (id) ON DELETE CASCADE,
  external_id   text NOT NULL,
  last_seen_job uuid NOT NULL,
  deactivated   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (connection_id, external_id)
);
CREATE INDEX seen_records_job_idx ON sync.seen_records (connection_id, last_seen_job);

-- The change feed (helper S2): one row per change, id is the cursor clients resume from.
CREATE TABLE sync.changes (
  id          bigserial PRIMARY KEY,
  entity      text NOT NULL,
  entity_id   text NOT NULL,
  user_id     uuid,
  op          text NOT NULL,
  data        jsonb,
  event_id    uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT changes_event_key UNIQUE (event_id),
  CONSTRAINT changes_entity_check CHECK (entity IN ('user', 'profile', 'file', 'notification')),
  CONSTRAINT changes_op_check CHECK (op IN ('upsert', 'delete'))
);
CREATE INDEX changes_user_idx ON sync.changes (user_id, id);
CREATE INDEX changes_created_idx ON sync.changes (created_at);
