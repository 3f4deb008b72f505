-- Sign-in throttling: failures per key (`login:<login>` or `ip:<address>`) in the current
-- window, and the end of a temporary lock. Keys exist for unknown logins too, so that a lock
-- never reveals whether an account exists.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
