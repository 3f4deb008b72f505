//! The hash-chained audit log. Every audited mutation appends its event inside its own
//! transaction through [`append`], so that the event exists if and only if the change does.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::records::{AuditEntry, AuditEventRecord};
use crate::{Store, StoreError};

/// `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn event_hash(ev: &AuditEventRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |v: Option<&str>| match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    };
    field(Some("segur-audit-v1"));
    field(Some(&ev.seq.to_string()));
    field(Some(&ev.at));
    field(ev.actor_user_id.as_deref());
    field(ev.actor_role.as_deref());
    field(ev.organisation_id.as_deref());
    field(Some(&ev.action));
    field(Some(&ev.object));
    field(ev.request_id.as_deref());
    field(ev.ip.as_deref());
    field(Some(&ev.prev_hash));
    hex::encode(h.finalize())
}

/// Appends one event in the caller's transaction. Bumping `audit_head` first takes the write
/// lock, so concurrent writers are serialised and the chain never forks.
pub(crate) async fn append(
    store: &Store,
    conn: &mut AnyConnection,
    entry: &AuditEntry,
) -> Result<AuditEventRecord, StoreError> {
    if entry.action.trim().is_empty() {
        return Err(StoreError::invalid("événement d'audit sans action"));
    }
    store.tick();
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let mut ev = AuditEventRecord {
        seq: head.try_get("seq")?,
        at: crate::util::now_rfc3339(),
        actor_user_id: entry.actor_user_id.clone(),
        actor_role: entry.actor_role.clone(),
        organisation_id: entry.organisation_id.clone(),
        action: entry.action.clone(),
        object: entry.object.clone(),
        request_id: entry.request_id.clone(),
        ip: entry.ip.clone(),
        prev_hash: head.try_get("hash")?,
        hash: String::new(),
    };
    ev.hash = event_hash(&ev);
    store.tick();
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor_user_id, actor_role, organisation_id, action, object, \
         request_id, ip, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ev.seq)
    .bind(&ev.at)
    .bind(&ev.actor_user_id)
    .bind(&ev.actor_role)
    .bind(&ev.organisation_id)
    .bind(&ev.action)
    .bind(&ev.object)
    .bind(&ev.request_id)
    .bind(&ev.ip)
    .bind(&ev.prev_hash)
    .bind(&ev.hash)
    .execute(&mut *conn)
    .await?;
    store.tick();
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&ev.hash)
        .execute(&mut *conn)
        .await?;
    Ok(ev)
}

/// Appends one audit event and the domain event it stands for (the outbox row, keyed by the
/// audit sequence number) in the caller's transaction: both exist if and only if the change
/// does. Every mutation that someone must be told of goes through here.
pub(crate) async fn append_with_event(
    store: &Store,
    conn: &mut AnyConnection,
    entry: &AuditEntry,
    event: &segur_domain::events::DomainEvent,
) -> Result<AuditEventRecord, StoreError> {
    let ev = append(store, conn, entry).await?;
    store.tick();
    sqlx::query(
        "INSERT INTO domain_events (seq, at, organisation_id, candidature_id, kind, data) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ev.seq)
    .bind(&ev.at)
    .bind(&event.organisation_id)
    .bind(&event.candidature_id)
    .bind(event.kind.as_str())
    .bind(serde_json::to_string(event).map_err(|e| StoreError::invalid(e.to_string()))?)
    .execute(&mut *conn)
    .await?;
    Ok(ev)
}

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<AuditEventRecord, StoreError> {
    Ok(AuditEventRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_user_id: row.try_get("actor_user_id")?,
        actor_role: row.try_get("actor_role")?,
        organisation_id: row.try_get("organisation_id")?,
        action: row.try_get("action")?,
        object: row.try_get("object")?,
        request_id: row.try_get("request_id")?,
        ip: row.try_get("ip")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Checks a run of events in sequence order: each one's hash and its link to the previous.
/// Returns the sequence number of the first broken event, if any.
pub fn first_broken_link<'a>(
    events: &'a [AuditEventRecord],
    mut prev_hash: &'a str,
) -> Option<i64> {
    for ev in events {
        if ev.prev_hash != prev_hash || ev.hash != event_hash(ev) {
            return Some(ev.seq);
        }
        prev_hash = &ev.hash;
    }
    None
}
