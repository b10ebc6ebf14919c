-- Request ids (X-Request-Id): the request log and the audit log name the HTTP request each row came from, so
-- that an operator can find one request from the id a client, an error body or the access log shows. One script
-- for SQLite and PostgreSQL; NULL for rows older than this migration and for the CLI's audit entries.

ALTER TABLE request_log ADD COLUMN request_id VARCHAR(128);
ALTER TABLE audit_log ADD COLUMN request_id VARCHAR(128);

CREATE INDEX request_log_request_id ON request_log (request_id);
CREATE INDEX audit_log_request_id ON audit_log (request_id);
