//! RFC 3161 time-stamps of the audit chain: once a day is over, the hash of its last event
//! (which commits to every earlier event through the chain) is stamped by a time-stamping
//! authority. The token proves that the trail up to that event existed at that time, so that
//! even an operator with write access to the database cannot rewrite the past undetected
//! beyond the last stamp.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::records::AuditEntry;
use crate::util::now_rfc3339;
use crate::{StoreError, SystemStore, audit};

/// The head of the audit chain at the end of one (UTC) day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHead {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub last_seq: i64,
    pub head_hash: String,
}

impl DayHead {
    /// The text whose SHA-256 is sent to the authority: it names the day, the event and its
    /// chain hash, so that a token cannot be moved to another day or event.
    pub fn statement(&self) -> String {
        format!(
            "segur-audit-day:{}:{}:{}",
            self.day, self.last_seq, self.head_hash
        )
    }

    /// SHA-256 of [`DayHead::statement`]: the RFC 3161 message imprint.
    pub fn imprint(&self) -> [u8; 32] {
        Sha256::digest(self.statement().as_bytes()).into()
    }
}

/// A stored time-stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTimestamp {
    pub head: DayHead,
    pub tsa_url: String,
    /// The DER `TimeStampToken` (a CMS SignedData) as the authority returned it.
    pub token: Vec<u8>,
    pub stamped_at: String,
}

impl SystemStore {
    /// Days before `before_day` (`YYYY-MM-DD`, excluded: it may still grow) that have audit
    /// events and no time-stamp yet, oldest first.
    pub async fn unstamped_audit_days(&self, before_day: &str) -> Result<Vec<DayHead>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT SUBSTR(e.at, 1, 10) AS day, MAX(e.seq) AS last_seq FROM audit_events e \
             WHERE SUBSTR(e.at, 1, 10) < $1 \
             AND NOT EXISTS (SELECT 1 FROM audit_timestamps t WHERE t.day = SUBSTR(e.at, 1, 10)) \
             GROUP BY SUBSTR(e.at, 1, 10) ORDER BY day",
        )
        .bind(before_day)
        .fetch_all(store.pool())
        .await?;
        let mut heads = Vec::with_capacity(rows.len());
        for r in rows {
            let day: String = r.try_get("day")?;
            let last_seq: i64 = r.try_get("last_seq")?;
            store.tick();
            let head_hash: String = sqlx::query("SELECT hash FROM audit_events WHERE seq = $1")
                .bind(last_seq)
                .fetch_one(store.pool())
                .await?
                .try_get("hash")?;
            heads.push(DayHead {
                day,
                last_seq,
                head_hash,
            });
        }
        Ok(heads)
    }

    /// Stores the authority's token for a day (audited in the same transaction).
    pub async fn record_audit_timestamp(
        &self,
        head: &DayHead,
        tsa_url: &str,
        token: &[u8],
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query(
            "INSERT INTO audit_timestamps (day, last_seq, head_hash, tsa_url, token, stamped_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&head.day)
        .bind(head.last_seq)
        .bind(&head.head_hash)
        .bind(crate::redact_url(tsa_url))
        .bind(hex::encode(token))
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let entry = AuditEntry::new(
            "audit.timestamped",
            format!(
                "journée {} horodatée (événement n° {}) par {}",
                head.day,
                head.last_seq,
                crate::redact_url(tsa_url)
            ),
        );
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(())
    }

    /// Every stored time-stamp, oldest day first.
    pub async fn list_audit_timestamps(&self) -> Result<Vec<AuditTimestamp>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT day, last_seq, head_hash, tsa_url, token, stamped_at FROM audit_timestamps ORDER BY day",
        )
        .fetch_all(store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let token: String = r.try_get("token")?;
                Ok(AuditTimestamp {
                    head: DayHead {
                        day: r.try_get("day")?,
                        last_seq: r.try_get("last_seq")?,
                        head_hash: r.try_get("head_hash")?,
                    },
                    tsa_url: r.try_get("tsa_url")?,
                    token: hex::decode(&token)
                        .map_err(|_| StoreError::Other("jeton d'horodatage illisible".into()))?,
                    stamped_at: r.try_get("stamped_at")?,
                })
            })
            .collect()
    }

    /// The first time-stamped day whose event no longer carries the stamped hash (the trail
    /// was rewritten after it was stamped), if any.
    pub async fn first_contradicted_timestamp(&self) -> Result<Option<String>, StoreError> {
        let store = self.store();
        for stamp in self.list_audit_timestamps().await? {
            store.tick();
            let row = sqlx::query(
                "SELECT hash, SUBSTR(at, 1, 10) AS day FROM audit_events WHERE seq = $1",
            )
            .bind(stamp.head.last_seq)
            .fetch_optional(store.pool())
            .await?;
            let intact = row.is_some_and(|r| {
                r.try_get::<String, _>("hash").ok().as_deref()
                    == Some(stamp.head.head_hash.as_str())
                    && r.try_get::<String, _>("day").ok().as_deref()
                        == Some(stamp.head.day.as_str())
            });
            if !intact {
                return Ok(Some(stamp.head.day));
            }
        }
        Ok(None)
    }
}
