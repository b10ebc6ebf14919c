-- An optional password per user, for signing in to the web console. Only an Argon2id hash in the PHC string
-- format is stored (never the password); NULL means the user has no password and cannot sign in with one.
-- One script for SQLite and PostgreSQL.

ALTER TABLE users ADD COLUMN password_hash VARCHAR(255);
