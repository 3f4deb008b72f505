-- Instruction by the ANS (issue #6): per-item decisions and complement requests, the message
-- thread of a candidature, ANS assignments, NRU counters and attestations.

-- Every decision on a proof item and every editor answer, oldest first. The item's current
-- status stays in proof_deposits; this is its history, shown on both sides.
CREATE TABLE proof_reviews (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    -- validated | rejected | complement_requested | answered
    kind TEXT NOT NULL,
    motivation TEXT NOT NULL,
    -- Answer due date of a complement request (LIF-05: on or before D2).
    due_on TEXT,
    -- File version the decision was taken on (proof_file_links.version), if any.
    file_version BIGINT,
    author_user_id TEXT,
    -- ans | editor
    author_side TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- For complement requests: when the editor answered.
    answered_at TEXT
);
CREATE INDEX proof_reviews_candidature ON proof_reviews (organisation_id, candidature_id, created_at);
CREATE INDEX proof_reviews_open ON proof_reviews (kind, answered_at);

-- The message thread of a candidature between the editor and the ANS.
CREATE TABLE candidature_messages (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    author_user_id TEXT,
    author_side TEXT NOT NULL,
    body TEXT NOT NULL,
    -- An attachment: one of the organisation's proof files (proof_files.id).
    file_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX candidature_messages_candidature ON candidature_messages (organisation_id, candidature_id, created_at);

-- The ANS agent in charge of a candidature (queue filter, batch assignment).
CREATE TABLE instruction_assignments (
    candidature_id TEXT PRIMARY KEY REFERENCES candidatures (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assignee_user_id TEXT NOT NULL REFERENCES users (id),
    assigned_by TEXT,
    assigned_at TEXT NOT NULL
);
CREATE INDEX instruction_assignments_assignee ON instruction_assignments (assignee_user_id);
CREATE INDEX candidatures_queue ON candidatures (state, dispositif);

-- NRU sequence numbers per scope (the NRU template with everything but the sequence filled
-- in): a number is taken inside the referral's transaction and never given again.
CREATE TABLE nru_counters (
    scope TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

-- One attestation de référencement per referral (LIF-08), found by its verification code.
CREATE TABLE attestations (
    code TEXT PRIMARY KEY,
    nru TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    pdf_size BIGINT NOT NULL,
    issued_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawal_motivation TEXT
);
CREATE INDEX attestations_pdf ON attestations (pdf_sha256);

-- Decisions on a candidature as a whole: referral, refusal, withdrawal of its referencing.
CREATE TABLE candidature_decisions (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    -- referred | refused | withdrawn
    kind TEXT NOT NULL,
    motivation TEXT NOT NULL,
    nru TEXT,
    author_user_id TEXT,
    decided_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX candidature_decisions_candidature ON candidature_decisions (organisation_id, candidature_id);
