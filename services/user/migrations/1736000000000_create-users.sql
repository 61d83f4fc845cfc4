-- Up Migration

-- In public (not this schema), so other services can use it too; operator classes are named with it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- A person's profile. id is auth's user id; email, role and status mirror auth (auth changes them
-- first, this service follows), everything else is owned here. Emails are stored lower-case.
CREATE TABLE users.users (
  id              uuid PRIMARY KEY,
  email           text NOT NULL,
  display_name    text NOT NULL,
  first_name      text,
  last_name       text,
  avatar_file_id  uuid,
  bio             text,
  locale          text,
  timezone        text,
  role            text NOT NULL DEFAULT 'user',
  status          text NOT NULL DEFAULT 'active',
  ban_reason      text,
  banned_until    timestamptz,
  settings        jsonb NOT NULL DEFAULT '{}',
  external_source text,
  external_id     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  created_by      uuid,
  updated_by      uuid,
  deleted_at      timestamptz,
  version         integer NOT NULL DEFAULT 1,
  CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
  CONSTRAINT users_status_check CHECK (status IN ('active', 'banned', 'deleted')),
  CONSTRAINT users_email_normalised CHECK (email = lower(email)),
  CONSTRAINT users_settings_object CHECK (jsonb_typeof(settings) = 'object'),
  CONSTRAINT users_external_key UNIQUE (external_source, external_id)
);

-- Lists at 1M rows: newest first with an id tie-break (keyset-friendly), and the same under the
-- status/role filters the directory and the admin list use.
CREATE INDEX users_created_idx ON users.users (created_at DESC, id DESC);
CREATE INDEX users_status_role_created_idx ON users.users (status, role, created_at DESC, id DESC);
CREATE UNIQUE INDEX users_email_key ON users.users (lower(email));
-- `q` searches names and emails by substring (ILIKE '%…%'), which trigram GIN indexes serve.
CREATE INDEX users_display_name_trgm_idx ON users.users USING gin (lower(display_name) public.gin_trgm_ops);
CREATE INDEX users_email_trgm_idx ON users.users USING gin (email public.gin_trgm_ops);

-- The delete saga: one row per deleted user; waiting_for lists the services that have not yet
-- confirmed erasure (user.data_erased), erased maps service -> erased_at.
CREATE TABLE users.user_deletions (
  user_id      uuid PRIMARY KEY,
  requested_by uuid,
  requested_at timestamptz NOT NULL DEFAULT now(),
  waiting_for  text[] NOT NULL DEFAULT '{}',
  erased       jsonb NOT NULL DEFAULT '{}',
  completed_at timestamptz
);
CREATE INDEX user_deletions_pending_idx ON users.user_deletions (requested_at) WHERE completed_at IS NULL;

-- Down Migration

DROP TABLE IF EXISTS users.user_deletions;
DROP TABLE IF EXISTS users.users;
