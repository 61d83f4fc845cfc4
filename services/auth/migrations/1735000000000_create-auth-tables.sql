-- Up Migration

-- Emails are stored normalised (trimmed, lower case), so a plain unique constraint is enough and
-- ON CONFLICT (email) works; the CHECK keeps a stray writer from breaking that.
CREATE TABLE auth.users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL,
  password_hash  text,
  display_name   text NOT NULL,
  role           text NOT NULL DEFAULT 'user',
  status         text NOT NULL DEFAULT 'active',
  email_verified boolean NOT NULL DEFAULT false,
  last_login_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  version        integer NOT NULL DEFAULT 1,
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
  CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
  CONSTRAINT users_status_check CHECK (status IN ('active', 'banned', 'deleted'))
);
CREATE INDEX users_role_idx ON auth.users (role) WHERE status <> 'deleted';
CREATE INDEX users_created_at_idx ON auth.users (created_at);

-- One session is one refresh-token family: every rotation adds a refresh_tokens row to it, and
-- revoking the session kills every token of the family at once.
CREATE TABLE auth.sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  ip            inet,
  user_agent    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  revoke_reason text
);
CREATE INDEX sessions_user_active_idx ON auth.sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires_at_idx ON auth.sessions (expires_at);

-- Only the sha256 of an opaque refresh token is stored; the token itself exists only on the client.
CREATE TABLE auth.refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id  uuid NOT NULL REFERENCES auth.sessions (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz,
  replaced_by uuid REFERENCES auth.refresh_tokens (id) ON DELETE SET NULL,
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_session_idx ON auth.refresh_tokens (session_id);

-- Single-use links (email verification, password reset, invitation's set-password), stored hashed.
CREATE TABLE auth.one_time_tokens (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  purpose    text NOT NULL,
  token_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  CONSTRAINT one_time_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT one_time_tokens_purpose_check CHECK (purpose IN ('verify_email', 'reset_password', 'set_password'))
);
CREATE INDEX one_time_tokens_user_purpose_idx ON auth.one_time_tokens (user_id, purpose) WHERE used_at IS NULL;

-- Machine clients of the client_credentials grant; the secret is argon2id-hashed like a password.
CREATE TABLE auth.service_accounts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_id   text NOT NULL,
  secret_hash text NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT service_accounts_client_id_key UNIQUE (client_id)
);

-- Append-only record of every auth event. No foreign key on user_id: the trail outlives the rows
-- it talks about. actor_id is text because the actor may be a service ("service:<client_id>").
CREATE TABLE auth.audit_log (
  id         bigserial PRIMARY KEY,
  event      text NOT NULL,
  user_id    uuid,
  actor_id   text,
  ip         inet,
  user_agent text,
  details    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_at_idx ON auth.audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_user_idx ON auth.audit_log (user_id, created_at DESC);
CREATE INDEX audit_log_event_idx ON auth.audit_log (event, created_at DESC);
CREATE INDEX audit_log_actor_idx ON auth.audit_log (actor_id, created_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_ip_idx ON auth.audit_log (ip, created_at DESC) WHERE ip IS NOT NULL;

-- Down Migration

DROP TABLE IF EXISTS auth.audit_log;
DROP TABLE IF EXISTS auth.service_accounts;
DROP TABLE IF EXISTS auth.one_time_tokens;
DROP TABLE IF EXISTS auth.refresh_tokens;
DROP TABLE IF EXISTS auth.sessions;
DROP TABLE IF EXISTS auth.users;
