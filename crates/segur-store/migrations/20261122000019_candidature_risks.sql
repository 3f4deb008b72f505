-- DEP-02 risk of each candidature, as last computed by the server from the monitoring counts
-- (every 15 minutes and at start): the instruction queue filters and counts on it without
-- recomputing 50,000 plans per page.
CREATE TABLE candidature_risks (
    candidature_id TEXT PRIMARY KEY REFERENCES candidatures (id) ON DELETE CASCADE,
    risk TEXT NOT NULL,
    computed_on TEXT NOT NULL
);
CREATE INDEX candidature_risks_risk ON candidature_risks (risk, candidature_id);
