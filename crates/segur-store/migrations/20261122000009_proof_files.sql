-- Proof files (issue 4). A file is a blob of one organisation, content-addressed by its
-- SHA-256 (blob key tenants/<organisation>/blobs/<sha256>): the same content deposited twice by
-- one editor is one row and one blob; there is no deduplication across organisations.
-- Instants are RFC 3339 text; sizes in bytes (BIGINT).
CREATE TABLE proof_files (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    effective_date TEXT,
    uploader_user_id TEXT,
    -- pending | clean | infected | scan_error
    scan_state TEXT NOT NULL,
    scan_detail TEXT,
    scanned_at TEXT,
    UNIQUE (organisation_id, sha256)
);
CREATE INDEX proof_files_scan ON proof_files (scan_state, uploaded_at);

-- A file deposited for one proof item of a candidature, in one version of that item's deposit.
-- A re-deposit after a complement request opens version n+1; older versions stay, read-only.
CREATE TABLE proof_file_links (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    version BIGINT NOT NULL,
    file_id TEXT NOT NULL REFERENCES proof_files (id),
    linked_at TEXT NOT NULL,
    linked_by TEXT,
    PRIMARY KEY (candidature_id, requirement_id, scenario, proof, version, file_id)
);
CREATE INDEX proof_file_links_organisation ON proof_file_links (organisation_id, candidature_id);
CREATE INDEX proof_file_links_file ON proof_file_links (organisation_id, file_id);

-- Resumable upload sessions. The bytes received so far live in the server's temporary area
-- (<data>/uploads/<id>.part); the offset is the length of that file. A session becomes a
-- proof file only once complete and hashed; abandoned sessions are removed at start-up.
CREATE TABLE upload_sessions (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    declared_size BIGINT NOT NULL,
    effective_date TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX upload_sessions_organisation ON upload_sessions (organisation_id, created_at);
