//! Webhooks: an organisation's endpoints told of its domain events (`domain_events`, written
//! with each audited change), signed with a per-webhook secret, retried, every attempt logged.
//!
//! Registering, listing, deleting and reading the delivery log are per organisation
//! ([`TenantStore`]). Turning new events into deliveries and sending them is done by one
//! background worker across organisations, so those few queries live on [`SystemStore`]; each
//! of them joins deliveries to webhooks *and* events on `organisation_id`, so that an event is
//! only ever delivered to a webhook of the organisation it is about.

use rand::Rng;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::events::{DomainEvent, EventKind};

use crate::records::{AuditEntry, Page, Paged};
use crate::util::{from_json, json, now_rfc3339, stored};
use crate::{StoreError, SystemStore, TenantStore, audit};

/// Prefix of every webhook secret, so that secret scanners (and people) recognise one.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// A webhook's signing secret: never shown by `Debug`, so never in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// 32 random bytes, hex, with [`WEBHOOK_SECRET_PREFIX`].
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{WEBHOOK_SECRET_PREFIX}{}", hex::encode(bytes)))
    }

    /// The secret itself, for signing and for the one answer that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A registered webhook, as listed (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WebhookRecord {
    pub id: String,
    pub url: String,
    /// The kinds delivered; empty means every kind.
    pub event_kinds: Vec<EventKind>,
    pub active: bool,
    pub created_by: Option<String>,
    pub created_at: String,
}

impl WebhookRecord {
    pub fn wants(&self, kind: EventKind) -> bool {
        self.event_kinds.is_empty() || self.event_kinds.contains(&kind)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed; no more will be made.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Pending => "en attente",
            Self::Delivered => "remis",
            Self::Failed => "échec définitif",
        }
    }

    fn parse(s: &str) -> Result<Self, segur_domain::ParseError> {
        match s {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            _ => Err(segur_domain::ParseError::new(
                "status",
                format!("état de livraison inconnu : {s}"),
            )),
        }
    }
}

/// One line of a webhook's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub webhook_id: String,
    pub event_seq: i64,
    pub event_kind: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// Unix seconds of the next attempt (meaningful while pending).
    pub next_attempt_at: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// A delivery claimed by the worker, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    pub webhook_id: String,
    pub organisation_id: String,
    pub url: String,
    pub secret: WebhookSecret,
    /// Attempts already made before this one.
    pub attempts: i64,
    pub event_seq: i64,
    /// When the event happened (RFC 3339).
    pub event_at: String,
    pub event: DomainEvent,
}

/// What an attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub delivered: bool,
    pub status_code: Option<u16>,
    /// Why it failed (never the secret); `None` when delivered.
    pub error: Option<String>,
    /// When to try again, Unix seconds; `None` once attempts are exhausted (→ failed).
    pub retry_at: Option<i64>,
}

fn webhook_from_row(r: &AnyRow) -> Result<WebhookRecord, StoreError> {
    let names: Vec<String> = from_json(&r.try_get::<String, _>("event_kinds")?)?;
    Ok(WebhookRecord {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        event_kinds: names
            .iter()
            .map(|n| stored(EventKind::parse(n)))
            .collect::<Result<_, _>>()?,
        active: r.try_get::<i64, _>("active")? == 1,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn delivery_from_row(r: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        id: r.try_get("id")?,
        webhook_id: r.try_get("webhook_id")?,
        event_seq: r.try_get("event_seq")?,
        event_kind: r.try_get("event_kind")?,
        status: stored(DeliveryStatus::parse(&r.try_get::<String, _>("status")?))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_status_code: r.try_get("last_status_code")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

const WEBHOOK_COLUMNS: &str = "id, url, event_kinds, active, created_by, created_at";
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_seq, event_kind, status, attempts, next_attempt_at, \
     last_status_code, last_error, created_at, delivered_at";

impl TenantStore {
    /// Registers a webhook of the organisation (the URL checked by the caller) and audits it
    /// (`webhook.create`, with the URL's origin only, never the secret), in one transaction.
    /// Only events recorded after the registration are delivered to it.
    pub async fn create_webhook(
        &self,
        url: &str,
        event_kinds: &[EventKind],
        secret: &WebhookSecret,
        audit_entry: &AuditEntry,
    ) -> Result<WebhookRecord, StoreError> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let mut kinds: Vec<&str> = event_kinds.iter().map(|k| k.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut entry = audit_entry.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id().to_owned());
        entry.action = "webhook.create".into();
        entry.object = format!("webhook {id}");
        let ev = audit::append(store, conn, &entry).await?;
        store.tick();
        sqlx::query(
            "INSERT INTO webhooks (id, organisation_id, url, secret, event_kinds, active, created_seq, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)",
        )
        .bind(&id)
        .bind(self.organisation_id())
        .bind(url)
        .bind(secret.expose())
        .bind(json(&kinds)?)
        .bind(ev.seq)
        .bind(&audit_entry.actor_user_id)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        store.tick();
        tx.commit().await?;
        self.webhook(&id).await
    }

    /// One webhook of the organisation; `NotFound` for another organisation's.
    pub async fn webhook(&self, id: &str) -> Result<WebhookRecord, StoreError> {
        self.store().tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND organisation_id = $2"
        ));
        let row = sqlx::query(sql)
            .bind(id)
            .bind(self.organisation_id())
            .fetch_optional(self.store().pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        webhook_from_row(&row)
    }

    /// The organisation's webhooks, oldest first.
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        self.store().tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE organisation_id = $1 ORDER BY created_at, id"
        ));
        let rows = sqlx::query(sql)
            .bind(self.organisation_id())
            .fetch_all(self.store().pool())
            .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// Deletes a webhook with its delivery log (nothing more is sent to it) and audits it, in
    /// one transaction. `NotFound` for another organisation's.
    pub async fn delete_webhook(
        &self,
        id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND organisation_id = $2",
        )
        .bind(id)
        .bind(self.organisation_id())
        .execute(&mut *conn)
        .await?;
        store.tick();
        let n = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND organisation_id = $2")
            .bind(id)
            .bind(self.organisation_id())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let mut entry = audit_entry.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id().to_owned());
        entry.action = "webhook.delete".into();
        entry.object = format!("webhook {id}");
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(())
    }

    /// A webhook's delivery log, newest event first. `NotFound` for another organisation's.
    pub async fn list_webhook_deliveries(
        &self,
        webhook_id: &str,
        page: Page,
    ) -> Result<Paged<DeliveryRecord>, StoreError> {
        self.webhook(webhook_id).await?;
        let page = page.clamped();
        let store = self.store();
        store.tick();
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = $1 AND organisation_id = $2",
        )
        .bind(webhook_id)
        .bind(self.organisation_id())
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
        store.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND organisation_id = $2 \
             ORDER BY event_seq DESC LIMIT $3 OFFSET $4"
        ));
        let rows = sqlx::query(sql)
            .bind(webhook_id)
            .bind(self.organisation_id())
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(store.pool())
            .await?;
        Ok(Paged {
            items: rows
                .iter()
                .map(delivery_from_row)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }
}

impl SystemStore {
    /// Turns the domain events recorded since the cursor (at most `batch`) into one pending
    /// delivery per matching active webhook of the event's organisation, and moves the cursor,
    /// in one transaction: running it twice, or concurrently, never makes a second delivery
    /// (the `(webhook, event)` pair is unique). Returns the deliveries created.
    pub async fn enqueue_webhook_deliveries(
        &self,
        now_unix: i64,
        batch: i64,
    ) -> Result<u64, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        // Taking the cursor row first serialises concurrent workers (row lock / write lock).
        let last: i64 = sqlx::query(
            "UPDATE webhook_cursor SET last_seq = last_seq WHERE id = 1 RETURNING last_seq",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("last_seq")?;
        store.tick();
        let events = sqlx::query(
            "SELECT seq, organisation_id, kind FROM domain_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(last)
        .bind(batch.max(1))
        .fetch_all(&mut *conn)
        .await?;
        let Some(max_seq) = events
            .last()
            .map(|r| r.try_get::<i64, _>("seq"))
            .transpose()?
        else {
            return Ok(0);
        };
        store.tick();
        let hooks = sqlx::query(
            "SELECT id, organisation_id, event_kinds, created_seq FROM webhooks WHERE active = 1",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut hooks_by_org: std::collections::HashMap<String, Vec<(String, Vec<String>, i64)>> =
            Default::default();
        for h in &hooks {
            hooks_by_org
                .entry(h.try_get("organisation_id")?)
                .or_default()
                .push((
                    h.try_get("id")?,
                    from_json(&h.try_get::<String, _>("event_kinds")?)?,
                    h.try_get("created_seq")?,
                ));
        }
        let created_at = jiff::Timestamp::from_second(now_unix)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| now_rfc3339());
        let mut created = 0;
        for e in &events {
            let seq: i64 = e.try_get("seq")?;
            let org: String = e.try_get("organisation_id")?;
            let kind: String = e.try_get("kind")?;
            for (hook_id, kinds, created_seq) in hooks_by_org.get(&org).into_iter().flatten() {
                if seq <= *created_seq || !(kinds.is_empty() || kinds.contains(&kind)) {
                    continue;
                }
                store.tick();
                created += sqlx::query(
                    "INSERT INTO webhook_deliveries (id, webhook_id, organisation_id, event_seq, event_kind, \
                     status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7) \
                     ON CONFLICT (webhook_id, event_seq) DO NOTHING",
                )
                .bind(uuid::Uuid::now_v7().simple().to_string())
                .bind(hook_id)
                .bind(&org)
                .bind(seq)
                .bind(&kind)
                .bind(now_unix)
                .bind(&created_at)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        }
        store.tick();
        sqlx::query("UPDATE webhook_cursor SET last_seq = $1 WHERE id = 1")
            .bind(max_seq)
            .execute(&mut *conn)
            .await?;
        store.tick();
        tx.commit().await?;
        Ok(created)
    }

    /// Claims up to `limit` pending deliveries due at `now_unix` for one attempt: each one's
    /// next attempt is pushed to `lease_until` first (compare-and-set), so that another worker
    /// does not send it at the same time, and a worker that dies mid-attempt retries later.
    pub async fn claim_due_webhook_deliveries(
        &self,
        now_unix: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT d.id, d.webhook_id, d.organisation_id, d.attempts, d.event_seq, d.next_attempt_at, \
             w.url, w.secret, e.at, e.data FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id AND w.organisation_id = d.organisation_id \
             JOIN domain_events e ON e.seq = d.event_seq AND e.organisation_id = d.organisation_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.active = 1 \
             ORDER BY d.next_attempt_at, d.event_seq LIMIT $2",
        )
        .bind(now_unix)
        .bind(limit.max(1))
        .fetch_all(store.pool())
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let won = crate::util::take_lease(
                store,
                "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' \
                 AND next_attempt_at = $3",
                &id,
                lease_until,
                r.try_get("next_attempt_at")?,
            )
            .await?;
            if !won {
                continue;
            }
            claimed.push(DueDelivery {
                id,
                webhook_id: r.try_get("webhook_id")?,
                organisation_id: r.try_get("organisation_id")?,
                url: r.try_get("url")?,
                secret: WebhookSecret(r.try_get("secret")?),
                attempts: r.try_get("attempts")?,
                event_seq: r.try_get("event_seq")?,
                event_at: r.try_get("at")?,
                event: from_json(&r.try_get::<String, _>("data")?)?,
            });
        }
        Ok(claimed)
    }

    /// Records one attempt of a claimed delivery: delivered, to retry at `retry_at`, or failed
    /// for good when no retry is left.
    pub async fn record_webhook_attempt(
        &self,
        delivery_id: &str,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let (status, next) = match (outcome.delivered, outcome.retry_at) {
            (true, _) => (DeliveryStatus::Delivered, None),
            (false, Some(at)) => (DeliveryStatus::Pending, Some(at)),
            (false, None) => (DeliveryStatus::Failed, None),
        };
        let store = self.store();
        store.tick();
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, status = $1, \
             next_attempt_at = COALESCE($2, next_attempt_at), last_status_code = $3, last_error = $4, \
             delivered_at = $5 WHERE id = $6 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(next)
        .bind(outcome.status_code.map(i64::from))
        .bind(outcome.error.as_deref().map(|e| e.chars().take(500).collect::<String>()))
        .bind(outcome.delivered.then(now_rfc3339))
        .bind(delivery_id)
        .execute(store.pool())
        .await?;
        Ok(())
    }

    /// Test support: records `event` in the outbox with an audit event, as the instruction
    /// workflow does, so that webhook tests have events to deliver.
    #[doc(hidden)]
    pub async fn append_domain_event_for_tests(
        &self,
        event: &DomainEvent,
    ) -> Result<i64, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let entry = AuditEntry {
            organisation_id: Some(event.organisation_id.clone()),
            ..AuditEntry::new(
                format!("test.{}", event.kind.as_str()),
                event.candidature_id.clone().unwrap_or_default(),
            )
        };
        let entry = if entry.object.is_empty() {
            AuditEntry {
                object: "événement de test".into(),
                ..entry
            }
        } else {
            entry
        };
        let ev = audit::append_with_event(store, conn, &entry, event).await?;
        store.tick();
        tx.commit().await?;
        Ok(ev.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_never_debug_printed() {
        let a = WebhookSecret::generate();
        let b = WebhookSecret::generate();
        assert_ne!(a, b);
        assert!(a.expose().starts_with(WEBHOOK_SECRET_PREFIX));
        assert_eq!(a.expose().len(), WEBHOOK_SECRET_PREFIX.len() + 64);
        assert_eq!(format!("{a:?}"), "[redacted]");
        let due = format!(
            "{:?}",
            DueDelivery {
                id: "d".into(),
                webhook_id: "w".into(),
                organisation_id: "o".into(),
                url: "https://x".into(),
                secret: a.clone(),
                attempts: 0,
                event_seq: 1,
                event_at: String::new(),
                event: DomainEvent::new(EventKind::ProofValidated, "o"),
            }
        );
        assert!(!due.contains(a.expose()), "{due}");
    }
}
