-- Up Migration

-- The in-app inbox. seq is the SSE event id: a reconnecting client sends Last-Event-ID and gets
-- every row of its user with a larger seq. event_id (with user_id and type) keeps a redelivered
-- event from adding the same notification twice even if the consumer inbox was bypassed.
CREATE TABLE notifications.notifications (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id    uuid NOT NULL,
  category   text NOT NULL,
  type       text NOT NULL,
  title      text NOT NULL,
  body       text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}',
  event_id   uuid,
  read_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT notifications_category_check CHECK (category IN ('security', 'account', 'files', 'sync', 'product'))
);
CREATE INDEX notifications_user_seq_idx ON notifications.notifications (user_id, seq DESC);
CREATE INDEX notifications_user_unread_idx ON notifications.notifications (user_id, seq DESC) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_event_key ON notifications.notifications (user_id, event_id, type) WHERE event_id IS NOT NULL;

-- Only the choices a user made; a missing row means the default (enabled). Security email cannot
-- be turned off (the CHECK backs up the rule in src/domain/preferences.ts).
CREATE TABLE notifications.preferences (
  user_id    uuid NOT NULL,
  category   text NOT NULL,
  channel    text NOT NULL,
  enabled    boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, category, channel),
  CONSTRAINT preferences_category_check CHECK (category IN ('security', 'account', 'files', 'sync', 'product')),
  CONSTRAINT preferences_channel_check CHECK (channel IN ('email', 'in_app', 'webhook')),
  CONSTRAINT preferences_security_email_check CHECK (enabled OR NOT (category = 'security' AND channel = 'email'))
);

-- One row per mail (or other channel message) an event caused. The unique key is the idempotency
-- key: a redelivered event finds its row and sends nothing. recipient_id is the user id, or
-- 'admin:<email>' / 'email:<address>' for recipients without an account.
CREATE TABLE notifications.deliveries (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id     uuid NOT NULL,
  channel      text NOT NULL,
  recipient_id text NOT NULL,
  template     text NOT NULL,
  locale       text,
  status       text NOT NULL DEFAULT 'pending',
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  message_id   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  CONSTRAINT deliveries_event_key UNIQUE (event_id, channel, template, recipient_id),
  CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'skipped', 'failed'))
);
CREATE INDEX deliveries_recipient_idx ON notifications.deliveries (recipient_id, created_at DESC);
CREATE INDEX deliveries_created_at_idx ON notifications.deliveries (created_at);

-- Webhook subscriptions: a user's own (scope user) or platform-wide ones an admin made (scope platform).
CREATE TABLE notifications.webhooks (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id             uuid NOT NULL,
  scope                text NOT NULL DEFAULT 'user',
  url                  text NOT NULL,
  events               text[] NOT NULL,
  secret_encrypted     text NOT NULL,
  enabled              boolean NOT NULL DEFAULT true,
  disabled_reason      text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  deleted_at           timestamptz,
  CONSTRAINT webhooks_scope_check CHECK (scope IN ('user', 'platform'))
);
CREATE INDEX webhooks_owner_idx ON notifications.webhooks (owner_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX webhooks_events_idx ON notifications.webhooks USING gin (events) WHERE deleted_at IS NULL AND enabled;

-- The delivery queue and log of webhooks; id is the webhook-id header (the receiver's dedupe key).
CREATE TABLE notifications.webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id       uuid NOT NULL REFERENCES notifications.webhooks (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending',
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_status_code integer,
  last_error       text,
  traceparent      text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  CONSTRAINT webhook_deliveries_event_key UNIQUE (webhook_id, event_id),
  CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'dead'))
);
CREATE INDEX webhook_deliveries_due_idx ON notifications.webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_webhook_idx ON notifications.webhook_deliveries (webhook_id, created_at DESC);

-- Down Migration

DROP TABLE IF EXISTS notifications.webhook_deliveries;
DROP TABLE IF EXISTS notifications.webhooks;
DROP TABLE IF EXISTS notifications.deliveries;
DROP TABLE IF EXISTS notifications.preferences;
DROP TABLE IF EXISTS notifications.notifications;
