-- segur initial schema. Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Types: TEXT, BIGINT (booleans as 0/1), timestamps as RFC 3339 TEXT or Unix seconds BIGINT,
-- nested domain values as JSON in `data` TEXT next to the columns that queries filter on.
-- `position` columns keep the order of the imported world (REM order, list order).

CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    siren TEXT,
    nie TEXT,
    data TEXT,
    position BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX organisations_kind ON organisations (kind, position);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE dispositifs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);

CREATE TABLE calendar_versions (
    id TEXT PRIMARY KEY,
    dispositif TEXT NOT NULL,
    published_on TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX calendar_versions_dispositif ON calendar_versions (dispositif, position);

CREATE TABLE rem_versions (
    dispositif TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    published_on TEXT,
    illustrative BIGINT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (dispositif, version)
);

CREATE TABLE requirements (
    dispositif TEXT NOT NULL,
    rem_version TEXT NOT NULL,
    id TEXT NOT NULL,
    position BIGINT NOT NULL,
    chapter TEXT NOT NULL,
    profile TEXT NOT NULL,
    nature TEXT NOT NULL,
    wave_origin TEXT NOT NULL,
    enonce TEXT NOT NULL,
    search_text TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (dispositif, rem_version, id),
    FOREIGN KEY (dispositif, rem_version) REFERENCES rem_versions (dispositif, version) ON DELETE CASCADE
);
CREATE INDEX requirements_order ON requirements (dispositif, rem_version, position);

CREATE TABLE proof_items (
    dispositif TEXT NOT NULL,
    rem_version TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    position BIGINT NOT NULL,
    chapter TEXT NOT NULL,
    profile TEXT NOT NULL,
    nature TEXT NOT NULL,
    wave_origin TEXT NOT NULL,
    scenario_text TEXT NOT NULL,
    proof_text TEXT NOT NULL,
    PRIMARY KEY (dispositif, rem_version, requirement_id, scenario, proof),
    FOREIGN KEY (dispositif, rem_version, requirement_id)
        REFERENCES requirements (dispositif, rem_version, id) ON DELETE CASCADE
);
CREATE INDEX proof_items_order ON proof_items (dispositif, rem_version, position);
CREATE INDEX proof_items_chapter ON proof_items (dispositif, rem_version, chapter, position);

CREATE TABLE equivalence_lists (
    from_dispositif TEXT NOT NULL,
    to_dispositif TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (from_dispositif, to_dispositif)
);

CREATE TABLE equivalence_pairs (
    from_dispositif TEXT NOT NULL,
    to_dispositif TEXT NOT NULL,
    position BIGINT NOT NULL,
    from_requirement TEXT NOT NULL,
    to_requirement TEXT NOT NULL,
    PRIMARY KEY (from_dispositif, to_dispositif, position),
    FOREIGN KEY (from_dispositif, to_dispositif)
        REFERENCES equivalence_lists (from_dispositif, to_dispositif) ON DELETE CASCADE
);

CREATE TABLE referencings (
    nru TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    dispositif TEXT NOT NULL,
    status TEXT NOT NULL,
    referenced_on TEXT NOT NULL,
    rem_version TEXT,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX referencings_organisation ON referencings (organisation_id, position);

CREATE TABLE candidatures (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    dispositif TEXT NOT NULL,
    state TEXT NOT NULL,
    rem_version TEXT NOT NULL,
    title TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX candidatures_organisation ON candidatures (organisation_id, position);

-- Selected optional profiles of a candidature (Général is implicit), so that counts of
-- applicable proof items are computed in SQL.
CREATE TABLE candidature_profiles (
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    PRIMARY KEY (candidature_id, profile)
);

CREATE TABLE proof_deposits (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    status TEXT NOT NULL,
    deposited_on TEXT,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (candidature_id, requirement_id, scenario, proof)
);
CREATE INDEX proof_deposits_organisation ON proof_deposits (organisation_id, candidature_id);

CREATE TABLE pentest_forms (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX pentest_forms_organisation ON pentest_forms (organisation_id, position);

CREATE TABLE cnda_requests (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    nil TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX cnda_requests_organisation ON cnda_requests (organisation_id, position);

CREATE TABLE psc_habilitations (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    nru TEXT NOT NULL,
    position BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX psc_habilitations_organisation ON psc_habilitations (organisation_id, position);

-- Append-only audit log, hash-chained: hash = SHA-256 of the event's fields and prev_hash.
-- audit_head holds the last sequence number and hash; updating it first serialises writers
-- (row lock on PostgreSQL, write lock on SQLite).
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_role TEXT,
    organisation_id TEXT,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    request_id TEXT,
    ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_organisation ON audit_events (organisation_id, seq);
