-- Financing (ASP side of a SONS): the eligibility base, orders, Prestations and payment
-- requests. Domain values as JSON in `data`, next to the columns queries filter and sum on.
-- Amounts in cents (BIGINT) so that sums never touch a float.

-- Client structures of the eligibility base (Base des ES éligibles…) with their caps per
-- SONS and va1 history: reference data kept by the ASP, shared by every editor's checks.
CREATE TABLE fin_clients (
    structure_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Bons de commande: owned by the editor (organisation); identifiers unique per editor.
CREATE TABLE fin_orders (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    client TEXT NOT NULL,
    dispositif TEXT NOT NULL,
    signed_on TEXT,
    amount_ht_cents BIGINT NOT NULL,
    amount_ttc_cents BIGINT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX fin_orders_client ON fin_orders (client, dispositif);

CREATE TABLE fin_prestations (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    order_id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, order_id)
);

-- Demandes d'avance et de solde. `document` is the last deposited document (segur format v1).
CREATE TABLE fin_requests (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    client TEXT NOT NULL,
    dispositif TEXT NOT NULL,
    deposited_on TEXT NOT NULL,
    amount_ht_cents BIGINT NOT NULL,
    amount_ttc_cents BIGINT NOT NULL,
    data TEXT NOT NULL,
    document TEXT,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX fin_requests_status ON fin_requests (status, deposited_on);
CREATE INDEX fin_requests_order ON fin_requests (organisation_id, order_id);
