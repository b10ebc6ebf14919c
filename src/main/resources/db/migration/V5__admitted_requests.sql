-- Admitted requests: usage_hourly.requests counts every request that reached a caller, refused ones too; request
-- quotas (requests per hour, day and month) count only the requests admitted past the limits, so their counters
-- are derived from this column. One script for SQLite and PostgreSQL. Rows written before this migration cannot
-- tell refused requests apart: they count all of theirs as admitted, so that no quota is looser after upgrading.

ALTER TABLE usage_hourly ADD COLUMN admitted BIGINT NOT NULL DEFAULT 0;

UPDATE usage_hourly SET admitted = requests;
