-- Hourly usage rollups. One script for SQLite and PostgreSQL. A flush adds its counts to the row of the same
-- key (INSERT ... ON CONFLICT DO UPDATE), so the key columns are NOT NULL: callers without a user or key (the
-- shared token, open access) are stored as 0, because NULLs never conflict in a unique key. No foreign keys:
-- usage outlives the users and keys it names. hour is the hour's start in epoch milliseconds (UTC).

CREATE TABLE usage_hourly (
  hour BIGINT NOT NULL,
  user_id BIGINT NOT NULL DEFAULT 0,
  key_id BIGINT NOT NULL DEFAULT 0,
  client VARCHAR(128) NOT NULL,
  model VARCHAR(256) NOT NULL,
  upstream VARCHAR(128) NOT NULL,
  upstream_key_index INTEGER NOT NULL,
  requests BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  estimated_tokens BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  first_byte_ms BIGINT NOT NULL,
  PRIMARY KEY (hour, user_id, key_id, client, model, upstream, upstream_key_index)
);

CREATE INDEX usage_hourly_user ON usage_hourly (user_id, hour);
CREATE INDEX usage_hourly_key ON usage_hourly (key_id, hour);
