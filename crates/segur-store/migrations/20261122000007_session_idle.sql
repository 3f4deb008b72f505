-- Idle timeout of sessions: last request seen (Unix seconds), set at sign-in. Sessions that
-- predate this column get 0: they end at the next request, as if idle.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
