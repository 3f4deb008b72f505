-- Review counters of each candidature, kept up to date in the transaction of every change to
-- its deposits or reviews (`queue_stats::refresh`), so that the ANS's instruction queue sorts,
-- filters and counts 50,000 candidatures without reading 1.25 million deposits per page
-- (issue #6: "counts precomputed").
CREATE TABLE queue_stats (
    candidature_id TEXT PRIMARY KEY REFERENCES candidatures (id) ON DELETE CASCADE,
    -- Items deposited and awaiting a decision (deposited, under review).
    to_review BIGINT NOT NULL,
    validated BIGINT NOT NULL,
    -- Items whose complement request is open.
    open_complements BIGINT NOT NULL,
    -- Earliest answer due of the open complement requests.
    next_due TEXT,
    -- Earliest request date of the open complement requests (LIF-06 counts from it).
    oldest_request TEXT,
    -- next_due, or '9999-12-31' without one: the queue's default order, on one index.
    deadline_key TEXT NOT NULL
);
CREATE INDEX queue_stats_deadline ON queue_stats (deadline_key, candidature_id);
CREATE INDEX queue_stats_to_review ON queue_stats (to_review DESC, candidature_id);
CREATE INDEX queue_stats_oldest_request ON queue_stats (oldest_request);

CREATE INDEX queue_stats_open_complements ON queue_stats (open_complements, candidature_id);

-- The queue's sorts (each delivers its order) and facets (each covers its count, so that no
-- count reads the candidatures' JSON rows).
CREATE INDEX candidatures_queue_dispositif ON candidatures (dispositif, id);
CREATE INDEX candidatures_queue_dispositif_state ON candidatures (dispositif, state);
CREATE INDEX candidatures_queue_state ON candidatures (state, id);
-- The editor sort's order, covering every column of a queue row (a search scans it too).
CREATE INDEX candidatures_queue_organisation ON candidatures (organisation_id, id, state, title, dispositif);
-- Lookups by id from the filters' sub-queries, covered.
CREATE INDEX candidatures_queue_id ON candidatures (id, state, dispositif, organisation_id);
-- The editor sort walks the organisations by name.
CREATE INDEX organisations_name ON organisations (name, id);
CREATE INDEX instruction_assignments_queue ON instruction_assignments (assignee_user_id, candidature_id);
-- Open complement requests of one candidature, for the refresh.
CREATE INDEX proof_reviews_open_by_candidature ON proof_reviews (candidature_id, kind, answered_at);

-- Counters of the candidatures that exist already.
INSERT INTO queue_stats (candidature_id, to_review, validated, open_complements, next_due, oldest_request, deadline_key)
SELECT c.id,
    (SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id AND d.status IN ('deposited', 'under_review')),
    (SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id AND d.status = 'validated'),
    (SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id AND d.status = 'complement_requested'),
    (SELECT MIN(r.due_on) FROM proof_reviews r JOIN proof_deposits d ON d.candidature_id = r.candidature_id
        AND d.requirement_id = r.requirement_id AND d.scenario = r.scenario AND d.proof = r.proof
        WHERE r.candidature_id = c.id AND r.kind = 'complement_requested' AND r.answered_at IS NULL
        AND d.status = 'complement_requested'),
    (SELECT MIN(d.deposited_on) FROM proof_deposits d WHERE d.candidature_id = c.id AND d.status = 'complement_requested'),
    COALESCE((SELECT MIN(r.due_on) FROM proof_reviews r JOIN proof_deposits d ON d.candidature_id = r.candidature_id
        AND d.requirement_id = r.requirement_id AND d.scenario = r.scenario AND d.proof = r.proof
        WHERE r.candidature_id = c.id AND r.kind = 'complement_requested' AND r.answered_at IS NULL
        AND d.status = 'complement_requested'), '9999-12-31')
FROM candidatures c;
