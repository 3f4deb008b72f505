-- Notifications (issue #6): each person's in-app list, fed from the domain events outbox
-- (domain_events) and from deadline reminders, and the e-mail sent for each (or in a daily
-- digest). Times the worker compares are Unix seconds (email_next_at), the others RFC 3339.

-- source_key: `event:{seq}` or a reminder key; unique per person, so that running the worker
-- twice, or two workers at once, never tells anyone twice.
-- email_status: none (no e-mail for it) | pending | digest (waits for the daily digest) |
-- sent | failed.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL,
    candidature_id TEXT,
    kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT,
    email_to TEXT,
    email_status TEXT NOT NULL,
    email_attempts BIGINT NOT NULL,
    email_next_at BIGINT NOT NULL,
    email_error TEXT,
    emailed_at TEXT,
    UNIQUE (user_id, source_key)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
CREATE INDEX notifications_email ON notifications (email_status, email_next_at);

-- A person's choices; absent means the defaults (immediate e-mails, French).
CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_mode TEXT NOT NULL,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One digest per person and day (Europe/Paris), whatever the number of workers.
CREATE TABLE notification_digests (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    notifications BIGINT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- The last domain event turned into notifications (one row).
CREATE TABLE notification_cursor (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO notification_cursor (id, last_seq) VALUES (1, 0);
