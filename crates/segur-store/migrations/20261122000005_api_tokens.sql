-- Personal API tokens for automation. Only the SHA-256 of the secret is kept; the secret is
-- shown once at creation. A token acts as its creator (user_id) within one organisation,
-- restricted by its scope ('read' or 'write'). Instants are Unix seconds, like sessions.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_organisation ON api_tokens (organisation_id, created_at);
