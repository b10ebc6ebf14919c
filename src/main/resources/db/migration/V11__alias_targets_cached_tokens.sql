-- Model aliases (docs/routing.md) and the embeddings cache (docs/embeddings-cache.md): a request for an alias is recorded under the alias (what the client asked for,
-- what quotas count) and, in the request log, with the model its target upstream served. One script for SQLite
-- and PostgreSQL; NULL for requests that named no alias and for rows older than this migration.

ALTER TABLE request_log ADD COLUMN target_model VARCHAR(256);

-- Tokens of embedding inputs answered from the embeddings cache (estimated): counted apart from the upstream's.
ALTER TABLE request_log ADD COLUMN cached_tokens BIGINT;
