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
