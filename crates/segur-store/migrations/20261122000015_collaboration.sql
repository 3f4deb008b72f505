-- Editor-side collaboration (segur_domain::collaboration): proof items assigned to a colleague
-- with a due date (at most D2, LIF-05, checked before writing), and internal notes. Both are
-- the editor's own working data: only reached through the owning organisation's TenantStore,
-- never shown to the ANS.

-- One current assignment per proof item of a candidature (a new one replaces it).
CREATE TABLE proof_assignments (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    scenario BIGINT NOT NULL,
    proof BIGINT NOT NULL,
    assignee_user_id TEXT NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    assigned_by TEXT,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (candidature_id, requirement_id, scenario, proof)
);
CREATE INDEX proof_assignments_assignee ON proof_assignments (organisation_id, assignee_user_id, due_on);

-- Notes about a candidature, or about one of its proof items (requirement_id, scenario and
-- proof all set, or all NULL). Append-only.
CREATE TABLE internal_notes (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    candidature_id TEXT NOT NULL REFERENCES candidatures (id) ON DELETE CASCADE,
    requirement_id TEXT,
    scenario BIGINT,
    proof BIGINT,
    author_user_id TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX internal_notes_candidature ON internal_notes (organisation_id, candidature_id, created_at);
