-- Up Migration

-- The list sorts besides created_at (GET /users, GET /admin/users ?sort=display_name|email), each
-- with id as the tie-break the keyset cursor compares on, so a page is one index range at 1M rows.
CREATE INDEX users_display_name_sort_idx ON users.users (display_name, id);
CREATE INDEX users_email_sort_idx ON users.users (email, id);

-- Down Migration

DROP INDEX IF EXISTS users.users_email_sort_idx;
DROP INDEX IF EXISTS users.users_display_name_sort_idx;
