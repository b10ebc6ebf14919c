-- Users, hashed API keys and the audit log. One script for SQLite and PostgreSQL: ${id} is the vendor's
-- auto-generated primary key; times are epoch milliseconds; booleans are BOOLEAN (numeric 0/1 in SQLite).

CREATE TABLE users (
  id ${id},
  name VARCHAR(64) NOT NULL UNIQUE,
  email VARCHAR(254),
  role VARCHAR(16) NOT NULL,
  active BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id ${id},
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name VARCHAR(64) NOT NULL,
  key_hash CHAR(64) NOT NULL UNIQUE,
  prefix VARCHAR(32) NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  expires_at BIGINT,
  active BOOLEAN NOT NULL,
  revoked_at BIGINT,
  models TEXT,
  requests_per_minute INTEGER
);

CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE audit_log (
  id ${id},
  at BIGINT NOT NULL,
  actor VARCHAR(128) NOT NULL,
  action VARCHAR(64) NOT NULL,
  target VARCHAR(128),
  detail TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);
