-- The two institutions of the platform exist from the start, so that their first accounts
-- (ANS administrator, ASP agent) can be created before any catalogue is imported.
INSERT INTO organisations (id, kind, name, position, created_at)
VALUES ('ans', 'ans', 'Agence du Numérique en Santé', 0, '2026-11-22T00:00:00Z');
INSERT INTO organisations (id, kind, name, position, created_at)
VALUES ('asp', 'asp', 'Agence de Services et de Paiement', 1, '2026-11-22T00:00:00Z');
