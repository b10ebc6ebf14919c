-- Self-service caps: what an admin lets a user give their own keys. One row per user who has caps; no row (or a
-- NULL column) means no cap of that kind. models is a comma-separated list of model names or globs, as in
-- api_keys.models. max_rotation_grace_seconds bounds the grace period a user may choose when rotating a key
-- (NULL: the setting KEY_ROTATION_MAX_GRACE, 24 hours by default). One script for SQLite and PostgreSQL.

CREATE TABLE user_caps (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  max_keys INTEGER,
  models TEXT,
  requests_per_minute BIGINT,
  requests_per_hour BIGINT,
  tokens_per_minute BIGINT,
  max_concurrent BIGINT,
  max_rotation_grace_seconds BIGINT
);
