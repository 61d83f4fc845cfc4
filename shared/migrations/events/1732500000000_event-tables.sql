-- Up Migration

-- Events written in the same transaction as the change they describe; the relay publishes
-- them with publisher confirms and only then sets sent_at. Sent rows are kept for a while
-- (the relay purges them after a retention) so an incident can be investigated.
CREATE TABLE outbox (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          uuid        NOT NULL UNIQUE,
  type        text        NOT NULL,
  version     integer     NOT NULL,
  envelope    json        NOT NULL, -- json, not jsonb: published byte for byte as the producer wrote it
  traceparent text,
  tracestate  text,
  request_id  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,
  attempts    integer     NOT NULL DEFAULT 0,
  last_error  text
);

-- The relay only ever looks for unsent rows in order; this index stays as small as the backlog.
CREATE INDEX outbox_unsent_idx ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Event ids each consumer has processed, written in the handler's transaction so a
-- redelivered event is handled once.
CREATE TABLE inbox (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  event_type   text        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

-- Down Migration

DROP TABLE IF EXISTS inbox;
DROP TABLE IF EXISTS outbox;
