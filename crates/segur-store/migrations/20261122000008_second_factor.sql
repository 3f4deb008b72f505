-- Second factor (TOTP, RFC 6238) and account lifecycle.
-- totp_secret: base32 secret, set once enrolment is confirmed; totp_last_step: the last time
-- step accepted, so that a code cannot be replayed; active: 0 once deactivated (no sign-in).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;

-- Single-use recovery codes, stored as SHA-256 of random 50-bit codes.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_sha256 TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_sha256)
);

-- A session's stage: 'full' (signed in), 'second_factor' (password checked, code awaited) or
-- 'enrol' (password checked, the role needs a second factor not yet set up). Only 'full'
-- sessions authenticate requests. pending_secret: the TOTP secret offered during enrolment.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN pending_secret TEXT;

-- RFC 3161 time-stamps of the audit chain, one per day: the head hash at the end of that day.
CREATE TABLE audit_timestamps (
    day TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    tsa_url TEXT NOT NULL,
    token TEXT NOT NULL,
    stamped_at TEXT NOT NULL
);
