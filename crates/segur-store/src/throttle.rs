//! Sign-in throttling: failed attempts counted per account and per address, and a temporary
//! lock once a limit is reached within a window. Stored, so that it holds across restarts and
//! across instances sharing one database.

use sqlx::{AnyConnection, Row};

use crate::records::AuditEntry;
use crate::{StoreError, SystemStore, audit};

/// Limits of one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed within `window_seconds` before the key is locked.
    pub max_failures: i64,
    pub window_seconds: i64,
    pub lock_seconds: i64,
}

impl SystemStore {
    /// Seconds left on the longest lock among `keys` at `now` (Unix seconds), if any.
    pub async fn login_locked_for(
        &self,
        keys: &[&str],
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut longest = None;
        for key in keys {
            self.store().tick();
            if let Some(row) = sqlx::query("SELECT locked_until FROM login_failures WHERE key = $1")
                .bind(*key)
                .fetch_optional(self.store().pool())
                .await?
            {
                let until: i64 = row.try_get("locked_until")?;
                if until > now {
                    longest = Some(longest.unwrap_or(0).max(until - now));
                }
            }
        }
        Ok(longest)
    }

    /// Counts a failed sign-in against each (key, policy); returns the lock it triggers, in
    /// seconds. A lock is audited in the same transaction.
    pub async fn record_login_failure(
        &self,
        keys: &[(&str, ThrottlePolicy)],
        now: i64,
        audit_entry: &AuditEntry,
    ) -> Result<Option<i64>, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut locked = None;
        for (key, policy) in keys {
            store.tick();
            let row =
                sqlx::query("SELECT failures, window_start FROM login_failures WHERE key = $1")
                    .bind(*key)
                    .fetch_optional(&mut *conn)
                    .await?;
            let (mut failures, mut window_start) = match row {
                Some(r) => (
                    r.try_get::<i64, _>("failures")?,
                    r.try_get::<i64, _>("window_start")?,
                ),
                None => (0, now),
            };
            if now - window_start >= policy.window_seconds {
                failures = 0;
                window_start = now;
            }
            failures += 1;
            let locked_until = if failures >= policy.max_failures {
                locked = Some(locked.unwrap_or(0).max(policy.lock_seconds));
                now + policy.lock_seconds
            } else {
                0
            };
            store.tick();
            sqlx::query(
                "INSERT INTO login_failures (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
                 window_start = excluded.window_start, locked_until = excluded.locked_until",
            )
            .bind(*key)
            .bind(if locked_until > 0 { 0 } else { failures })
            .bind(window_start)
            .bind(locked_until)
            .execute(&mut *conn)
            .await?;
            if locked_until > 0 {
                let mut entry = audit_entry.clone();
                entry.action = "auth.lock".into();
                entry.object = format!(
                    "{} verrouillé {} s après {} échecs",
                    key, policy.lock_seconds, policy.max_failures
                );
                audit::append(store, conn, &entry).await?;
            }
        }
        store.tick();
        tx.commit().await?;
        Ok(locked)
    }

    /// Forgets the failures of a key (after a successful sign-in).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.store().tick();
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }
}
