-- Antivirus errors (clamd answered, but could not scan the file: too big for its limits, an
-- unreadable archive…) are retried a bounded number of times, spaced by the worker's retry
-- delay, then left in `scan_error` for good, where the file can be neither downloaded nor
-- reviewed and the editor deposits it again (which gives it a new series of attempts).
ALTER TABLE proof_files ADD COLUMN scan_attempts BIGINT NOT NULL DEFAULT 0;
