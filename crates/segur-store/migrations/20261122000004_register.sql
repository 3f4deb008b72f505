-- Versions declared obsolete by their editors, published in the register (PUB-01).
CREATE TABLE obsolete_versions (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    software TEXT NOT NULL,
    version TEXT NOT NULL,
    declared_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, software, version)
);
