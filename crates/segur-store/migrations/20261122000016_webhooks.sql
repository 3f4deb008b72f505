-- Webhooks: an editor's HTTPS endpoints told of its domain events (domain_events), signed with
-- a per-webhook secret (HMAC-SHA256), retried with back-off, every attempt logged.

-- secret: kept in clear because it signs every delivery; shown once at creation, never listed.
-- event_kinds: JSON array of EventKind names; an empty array means every kind.
-- created_seq: audit sequence number of the registration; only later events are delivered.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    event_kinds TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_seq BIGINT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX webhooks_organisation ON webhooks (organisation_id, created_at);

-- One delivery per (webhook, event); status pending → delivered | failed. Times used by the
-- worker are Unix seconds (next_attempt_at), the others RFC 3339.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event_kind TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_status_code BIGINT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (organisation_id, webhook_id, event_seq);

-- The last domain event turned into deliveries (one row).
CREATE TABLE webhook_cursor (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, last_seq) VALUES (1, 0);
