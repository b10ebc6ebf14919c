-- Limits: a key's own rate limits beside requests_per_minute (V1), and each user's daily and monthly quotas.
-- NULL means "no limit of this kind" (for requests_per_hour: the role's default). One script for SQLite and
-- PostgreSQL; SQLite adds one column per statement.

ALTER TABLE api_keys ADD COLUMN requests_per_hour BIGINT;
ALTER TABLE api_keys ADD COLUMN tokens_per_minute BIGINT;
ALTER TABLE api_keys ADD COLUMN max_concurrent BIGINT;

CREATE TABLE user_quotas (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  daily_tokens BIGINT,
  monthly_tokens BIGINT,
  daily_requests BIGINT,
  monthly_requests BIGINT
);

-- The optional request log (REQUEST_LOG=true): one row per request, pruned after REQUEST_LOG_RETENTION.
-- No foreign keys: rows outlive the users and keys they name. at is epoch milliseconds.
CREATE TABLE request_log (
  id ${id},
  at BIGINT NOT NULL,
  user_id BIGINT,
  key_id BIGINT,
  client VARCHAR(128) NOT NULL,
  method VARCHAR(16) NOT NULL,
  path VARCHAR(512) NOT NULL,
  model VARCHAR(256),
  upstream VARCHAR(128),
  upstream_key_index INTEGER,
  status INTEGER NOT NULL,
  duration_ms BIGINT NOT NULL,
  first_byte_ms BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  estimated BOOLEAN NOT NULL
);

CREATE INDEX request_log_at ON request_log (at);
