-- Up Migration

-- The bans that run out: the expiry sweep reads the banned users whose banned_until has passed.
CREATE INDEX users_ban_expiry_idx ON users.users (banned_until) WHERE status = 'banned' AND banned_until IS NOT NULL;

-- Down Migration

DROP INDEX IF EXISTS users.users_ban_expiry_idx;
