-- Monitoring of the instruction (segur-store/src/monitoring.rs): decisions on proof items are
-- counted per kind and day, and read back over a recent window, from the outbox.
CREATE INDEX domain_events_kind_at ON domain_events (kind, at);
