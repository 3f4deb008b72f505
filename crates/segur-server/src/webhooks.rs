//! Webhooks: each organisation's domain events POSTed as signed JSON to the HTTPS endpoints it
//! registered, retried with back-off, every attempt logged (see docs/webhooks.md).
//!
//! The worker ([`spawn_worker`], one per server) repeats [`run_once`]: turn new events into
//! deliveries (idempotently, with the cursor, in one transaction), then send the deliveries
//! that are due. A 2xx answer is a delivery; anything else (another status, a redirect, a
//! timeout, a refused connection) is retried after the configured waits, then given up.
//! Redirects are never followed, so a delivery never goes to another host than the one
//! registered.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use openidconnect::reqwest;
use serde::Serialize;
use sha2::Sha256;

use segur_domain::catalogue::ProofItemKey;
use segur_store::{AttemptOutcome, DueDelivery, StoreError};

use crate::state::AppState;

/// Header names, stable: receivers match on them.
pub const HEADER_EVENT: &str = "segur-event";
pub const HEADER_DELIVERY: &str = "segur-delivery";
pub const HEADER_TIMESTAMP: &str = "segur-timestamp";
pub const HEADER_SIGNATURE: &str = "segur-signature";

/// Events turned into deliveries per run, and deliveries attempted per run.
const ENQUEUE_BATCH: i64 = 500;
const SEND_BATCH: i64 = 50;

/// The JSON body of a delivery.
#[derive(Debug, Serialize, PartialEq)]
pub struct Payload<'a> {
    /// The delivery id (also in `Segur-Delivery`): the same on every retry, so that a
    /// receiver can ignore a delivery it already processed.
    pub id: &'a str,
    /// The event kind's stable name (`proof.validated`…), also in `Segur-Event`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When the event happened (RFC 3339, UTC).
    pub created_at: &'a str,
    pub organisation: &'a str,
    pub candidature: Option<&'a str>,
    pub proof_item: Option<&'a ProofItemKey>,
    pub detail: &'a str,
    pub due_on: Option<String>,
    pub nru: Option<&'a str>,
}

pub fn payload(d: &DueDelivery) -> Payload<'_> {
    Payload {
        id: &d.id,
        kind: d.event.kind.as_str(),
        created_at: &d.event_at,
        organisation: &d.organisation_id,
        candidature: d.event.candidature_id.as_deref(),
        proof_item: d.event.proof_item.as_ref(),
        detail: &d.event.detail,
        due_on: d.event.due_on.map(|x| x.to_string()),
        nru: d.event.nru.as_deref(),
    }
}

/// `sha256=<hex>` of HMAC-SHA256 with the webhook's secret over `"{timestamp}.{body}"`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; kept total rather than unwrapped.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// When to try again after `attempts_made` failed attempts, or `None` when the schedule is
/// exhausted (the delivery fails for good).
pub fn next_retry(schedule: &[Duration], attempts_made: i64, now_unix: i64) -> Option<i64> {
    let wait = schedule.get(usize::try_from(attempts_made.checked_sub(1)?).ok()?)?;
    Some(now_unix.saturating_add(i64::try_from(wait.as_secs()).unwrap_or(i64::MAX)))
}

/// What one run did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub enqueued: u64,
    pub attempted: usize,
    pub delivered: usize,
}

/// The HTTP client of deliveries: no redirects, the configured timeout, no proxy from the
/// environment (a delivery goes where it was registered).
fn client(state: &AppState) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(state.config().webhook_timeout)
        .no_proxy()
        .user_agent(concat!("segur-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("client HTTP : {e}"))
}

/// One pass: enqueue new events, then send what is due at `now`.
pub async fn run_once(state: &AppState, now: jiff::Timestamp) -> Result<RunReport, StoreError> {
    let system = state.store().system();
    let now_unix = now.as_second();
    let mut report = RunReport {
        enqueued: system
            .enqueue_webhook_deliveries(now_unix, ENQUEUE_BATCH)
            .await?,
        ..RunReport::default()
    };
    // A claimed delivery whose worker died is retried after the timeout and a margin.
    let lease = now_unix
        .saturating_add(i64::try_from(state.config().webhook_timeout.as_secs()).unwrap_or(60))
        .saturating_add(60);
    let due = system
        .claim_due_webhook_deliveries(now_unix, lease, SEND_BATCH)
        .await?;
    if due.is_empty() {
        return Ok(report);
    }
    let client = client(state).map_err(StoreError::Other)?;
    for d in &due {
        let outcome = attempt(state, &client, d, now_unix).await;
        report.attempted += 1;
        if outcome.delivered {
            report.delivered += 1;
        } else {
            tracing::warn!(
                webhook = %d.webhook_id,
                delivery = %d.id,
                attempt = d.attempts + 1,
                status = ?outcome.status_code,
                error = outcome.error.as_deref().unwrap_or(""),
                gives_up = outcome.retry_at.is_none(),
                "webhook delivery failed"
            );
        }
        system.record_webhook_attempt(&d.id, &outcome).await?;
    }
    Ok(report)
}

async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    d: &DueDelivery,
    now_unix: i64,
) -> AttemptOutcome {
    let failed = |status_code: Option<u16>, error: String| AttemptOutcome {
        delivered: false,
        status_code,
        error: Some(error),
        retry_at: next_retry(
            &state.config().webhook_retry_schedule,
            d.attempts + 1,
            now_unix,
        ),
    };
    let body = match serde_json::to_vec(&payload(d)) {
        Ok(b) => b,
        Err(e) => return failed(None, format!("corps JSON : {e}")),
    };
    let timestamp = jiff::Timestamp::now().as_second();
    let sent = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(HEADER_EVENT, d.event.kind.as_str())
        .header(HEADER_DELIVERY, &d.id)
        .header(HEADER_TIMESTAMP, timestamp.to_string())
        .header(
            HEADER_SIGNATURE,
            signature(d.secret.expose(), timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => AttemptOutcome {
            delivered: true,
            status_code: Some(resp.status().as_u16()),
            error: None,
            retry_at: None,
        },
        Ok(resp) if resp.status().is_redirection() => failed(
            Some(resp.status().as_u16()),
            "redirection non suivie : enregistrez l'adresse finale".into(),
        ),
        Ok(resp) => failed(
            Some(resp.status().as_u16()),
            format!("réponse HTTP {}", resp.status().as_u16()),
        ),
        Err(e) if e.is_timeout() => failed(None, "délai dépassé".into()),
        Err(e) if e.is_connect() => failed(None, "connexion impossible".into()),
        // The error's text may repeat the URL, which can carry a token: keep it out.
        Err(_) => failed(None, "échec de l'envoi".into()),
    }
}

/// Runs the worker until the server stops (the handle is aborted by `serve`).
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&state, jiff::Timestamp::now()).await {
                Ok(r) if r.attempted > 0 || r.enqueued > 0 => tracing::info!(
                    enqueued = r.enqueued,
                    attempted = r.attempted,
                    delivered = r.delivered,
                    "webhooks"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker: store unavailable, retrying later")
                }
            }
            tokio::time::sleep(state.config().webhook_poll).await;
        }
    })
}

/// Checks a webhook URL: `https://` with a host, or `http://` on 127.0.0.1 / localhost when
/// `allow_loopback_http`; no user name or password in it; at most 2000 characters.
pub fn check_url(url: &str, allow_loopback_http: bool) -> Result<String, String> {
    let url = url.trim();
    if url.is_empty() || url.len() > 2000 {
        return Err("adresse du webhook vide ou trop longue (2000 caractères au plus)".into());
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| "adresse du webhook invalide : https://… attendu".to_owned())?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "l'adresse du webhook ne doit pas contenir d'identifiant ni de mot de passe".into(),
        );
    }
    let host = parsed.host_str().unwrap_or("");
    if host.is_empty() {
        return Err("adresse du webhook sans hôte".into());
    }
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match parsed.scheme() {
        "https" => Ok(parsed.to_string()),
        "http" if loopback && allow_loopback_http => Ok(parsed.to_string()),
        "http" if loopback => Err(
            "http:// sur la machine locale n'est accepté que si le serveur l'autorise (--webhook-allow-loopback-http) : utilisez https://".into(),
        ),
        _ => Err("seules les adresses https:// sont acceptées pour un webhook".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_dot_body() {
        let sig = signature("key", 1_700_000_000, b"{}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_eq!(sig, signature("key", 1_700_000_000, b"{}"));
        assert_ne!(sig, signature("key", 1_700_000_001, b"{}"));
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
        // The primitive against a published vector: HMAC-SHA256("key", "The quick brown fox…").
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let s: Vec<Duration> = [30, 120, 600]
            .into_iter()
            .map(Duration::from_secs)
            .collect();
        assert_eq!(next_retry(&s, 1, 1000), Some(1030));
        assert_eq!(next_retry(&s, 2, 1000), Some(1120));
        assert_eq!(next_retry(&s, 3, 1000), Some(1600));
        assert_eq!(next_retry(&s, 4, 1000), None);
        assert_eq!(next_retry(&s, 0, 1000), None);
        assert_eq!(next_retry(&[], 1, 1000), None);
    }

    #[test]
    fn webhook_urls_are_https_unless_loopback_is_allowed() {
        assert!(check_url("https://hooks.example.fr/segur", false).is_ok());
        assert!(check_url("http://hooks.example.fr/segur", true).is_err());
        assert!(check_url("http://127.0.0.1:8080/x", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
        assert!(check_url("https://user:pw@example.fr/", false).is_err());
        assert!(check_url("ftp://example.fr/", true).is_err());
        assert!(check_url("not a url", true).is_err());
        assert!(check_url("", true).is_err());
        assert!(check_url(&format!("https://e.fr/{}", "a".repeat(2000)), false).is_err());
    }
}
