-- Outbox of domain events (segur_domain::events): written in the same transaction as the
-- audited change they describe, keyed by that audit event's sequence number, read in order by
-- the notification worker (in-app notifications, e-mails, webhooks).
CREATE TABLE domain_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    candidature_id TEXT,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX domain_events_organisation ON domain_events (organisation_id, seq);
CREATE INDEX domain_events_candidature ON domain_events (candidature_id, seq);
