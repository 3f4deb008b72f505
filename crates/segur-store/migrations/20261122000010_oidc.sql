-- OpenID Connect sign-in (relying party). See docs/oidc.md.

-- Authorization requests in flight: what the callback needs, keyed by the SHA-256 of `state`.
-- Single use (deleted when read) and short-lived (`expires_at`, Unix seconds).
CREATE TABLE oidc_pending (
    state_sha256 TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_pending_expiry ON oidc_pending (expires_at);

-- An identity at a provider (its configured identifier claim) linked to a local account by an
-- administrator or the organisation's mandataire. Never created by a sign-in.
CREATE TABLE oidc_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oidc_identities_user ON oidc_identities (user_id);

-- Local sessions opened through a provider: the ID token, sent back as `id_token_hint` for
-- RP-initiated logout. Ends with its session.
CREATE TABLE oidc_sessions (
    session_sha256 TEXT PRIMARY KEY REFERENCES sessions (token_sha256) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    id_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Health professionals signed in through Pro Santé Connect. They have no local account and no
-- right on editor, ANS or ASP data: a separate session table and cookie, which the account
-- extractors never read. `subject` is the professional identifier (claim SubjectNameID).
CREATE TABLE pro_sessions (
    token_sha256 TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    display_name TEXT NOT NULL,
    id_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX pro_sessions_expiry ON pro_sessions (expires_at);
