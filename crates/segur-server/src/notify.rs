//! Notifications: the worker that tells people what happened (see docs/notifications.md).
//!
//! Each pass ([`run_once`]): turn new domain events into notifications (store, idempotent),
//! record the deadline reminders due today (7, 2 and 1 days before by default), send the
//! e-mails due over SMTP (`lettre`), and, after the digest hour, the daily digests. An SMTP
//! failure is retried after the configured waits, then the e-mail is marked failed; the
//! notification stays in the in-app list either way.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::civil::Date;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use segur_domain::calendar::Milestone;
use segur_domain::notify::{self, Deadline, DeadlineKind, Language};
use segur_store::{DueEmail, EmailOutcome, StoreError};

use crate::state::AppState;

const FAN_OUT_BATCH: i64 = 500;
const SEND_BATCH: i64 = 50;
const DIGEST_BATCH: i64 = 100;

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub notified: u64,
    pub reminders: u64,
    pub emails_attempted: usize,
    pub emails_sent: usize,
    pub digests_sent: usize,
}

/// SMTP settings: an `smtp://host:port` (plain, or STARTTLS with `?tls=required`) or
/// `smtps://` URL, with optional `user:password@`, as lettre reads them.
#[derive(Clone)]
pub struct SmtpConfig {
    url: crate::config::Secret,
    /// The sender (`segur <no-reply@example.fr>`).
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &segur_store::redact_url(self.url.expose()))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpConfig {
    /// Checks the URL and the sender address; errors in plain French.
    pub fn parse(url: &str, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("expéditeur des courriels « {from} » invalide : {e}"))?;
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| {
            format!(
                "adresse SMTP « {} » invalide : smtp://hôte:port ou smtps://utilisateur:mot-de-passe@hôte attendu",
                segur_store::redact_url(url)
            )
        })?;
        Ok(Self {
            url: crate::config::Secret::new(url),
            from,
        })
    }

    fn transport(&self, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        Ok(
            AsyncSmtpTransport::<Tokio1Executor>::from_url(self.url.expose())
                .map_err(|_| "adresse SMTP invalide".to_owned())?
                .timeout(Some(timeout))
                .build(),
        )
    }
}

/// The absolute address of a link inside segur, for e-mails.
fn absolute(state: &AppState, link: &str) -> String {
    match &state.config().public_url {
        Some(base) => format!("{}{link}", base.trim_end_matches('/')),
        None => link.to_owned(),
    }
}

fn mail_body(state: &AppState, body: &str, link: Option<&str>, lang: Language) -> String {
    let mut text = body.to_owned();
    if let Some(l) = link {
        text.push_str(match lang {
            Language::Fr => "\n\nOuvrir dans segur : ",
            Language::En => "\n\nOpen in segur: ",
        });
        text.push_str(&absolute(state, l));
    }
    text.push_str(match lang {
        Language::Fr => {
            "\n\n-- \nCourriel automatique de segur. Vos préférences de notification : /notifications"
        }
        Language::En => {
            "\n\n-- \nAutomatic e-mail from segur. Your notification preferences: /notifications"
        }
    });
    text
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), String> {
    let to: Mailbox = to
        .parse()
        .map_err(|_| "adresse du destinataire invalide".to_owned())?;
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("courriel mal formé : {e}"))?;
    transport
        .send(message)
        .await
        .map(drop)
        // lettre's error may quote the server's greeting, never the credentials.
        .map_err(|e| format!("envoi SMTP impossible : {e}"))
}

/// The deadlines reminders are computed from on `today`: open complement requests' due
/// dates, and D2 of each candidature not yet declared complete (LIF-05).
async fn deadlines(state: &AppState, today: Date) -> Result<Vec<Deadline>, StoreError> {
    let system = state.store().system();
    let sources = system.notification_deadlines().await?;
    let mut out = sources.complements;
    let mut d2_by_dispositif: BTreeMap<String, Option<Date>> = BTreeMap::new();
    for (org, cand, dispositif) in sources.awaiting_complete_deposit {
        if !d2_by_dispositif.contains_key(&dispositif) {
            let d2 = system
                .calendar_history(&dispositif)
                .await?
                .in_force(today)
                .and_then(|c| c.date(Milestone::D2))
                .map(|d| d.date());
            d2_by_dispositif.insert(dispositif.clone(), d2);
        }
        if let Some(Some(d2)) = d2_by_dispositif.get(&dispositif) {
            out.push(Deadline {
                kind: DeadlineKind::CompleteDeposit,
                organisation_id: org,
                candidature_id: cand,
                proof_item: None,
                due_on: *d2,
                announced_on: None,
            });
        }
    }
    Ok(out)
}

/// Records the reminders due on `today`.
pub async fn remind(state: &AppState, today: Date, now_unix: i64) -> Result<u64, StoreError> {
    let due = notify::reminders_due(
        today,
        &deadlines(state, today).await?,
        &state.config().reminder_policy,
    );
    state
        .store()
        .system()
        .record_reminders(&due, now_unix)
        .await
}

async fn send_one(
    state: &AppState,
    smtp: &SmtpConfig,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    e: &DueEmail,
    now_unix: i64,
) -> EmailOutcome {
    let body = mail_body(state, &e.body, e.link.as_deref(), e.language);
    match send(transport, &smtp.from, &e.to, &e.subject, body).await {
        Ok(()) => EmailOutcome {
            sent: true,
            error: None,
            retry_at: None,
        },
        Err(error) => EmailOutcome {
            sent: false,
            retry_at: crate::webhooks::next_retry(
                &state.config().email_retry_schedule,
                e.attempts + 1,
                now_unix,
            ),
            error: Some(error),
        },
    }
}

/// One pass at `now`: fan out, remind, send, digest.
pub async fn run_once(state: &AppState, now: jiff::Timestamp) -> Result<RunReport, StoreError> {
    let mut report = deliver(state, now).await?;
    let today = now.to_zoned(segur_domain::calendar::paris()).date();
    report.reminders = remind(state, today, now.as_second()).await?;
    if report.reminders > 0 {
        // Send the reminders just made in the same pass.
        let more = deliver(state, now).await?;
        report.emails_attempted += more.emails_attempted;
        report.emails_sent += more.emails_sent;
        report.digests_sent += more.digests_sent;
    }
    Ok(report)
}

/// Fan-out, e-mails due and digests (no reminders: the worker computes those less often).
pub async fn deliver(state: &AppState, now: jiff::Timestamp) -> Result<RunReport, StoreError> {
    let system = state.store().system();
    let now_unix = now.as_second();
    let mut report = RunReport {
        notified: system
            .fan_out_notifications(now_unix, FAN_OUT_BATCH)
            .await?,
        ..RunReport::default()
    };
    let Some(smtp) = state.config().smtp.as_ref() else {
        return Ok(report);
    };
    let transport = smtp
        .transport(state.config().smtp_timeout)
        .map_err(StoreError::Other)?;
    let lease = now_unix
        .saturating_add(i64::try_from(state.config().smtp_timeout.as_secs()).unwrap_or(60))
        .saturating_add(60);
    for e in system.claim_due_emails(now_unix, lease, SEND_BATCH).await? {
        let outcome = send_one(state, smtp, &transport, &e, now_unix).await;
        report.emails_attempted += 1;
        if outcome.sent {
            report.emails_sent += 1;
        } else {
            tracing::warn!(
                notification = %e.id,
                attempt = e.attempts + 1,
                error = outcome.error.as_deref().unwrap_or(""),
                gives_up = outcome.retry_at.is_none(),
                "notification e-mail failed"
            );
        }
        system.record_email_attempt(&e.id, &outcome).await?;
    }
    let local = now.to_zoned(segur_domain::calendar::paris());
    if local.hour() >= state.config().digest_hour {
        let day = local.date();
        for batch in system.digests_due(day, DIGEST_BATCH).await? {
            let lines: Vec<notify::DigestLine> = batch
                .lines
                .iter()
                .map(|l| notify::DigestLine {
                    subject: l.subject.clone(),
                    link: l.link.as_deref().map(|x| absolute(state, x)),
                })
                .collect();
            let message = notify::render_digest(day, &lines, batch.language);
            let body = mail_body(state, &message.body, None, batch.language);
            match send(&transport, &smtp.from, &batch.to, &message.subject, body).await {
                Ok(()) => match system.record_digest_sent(&batch, day).await {
                    Ok(()) | Err(StoreError::Conflict(_)) => report.digests_sent += 1,
                    Err(e) => return Err(e),
                },
                // Kept for the next pass: the digest waits, nothing is marked.
                Err(error) => tracing::warn!(user = %batch.user_id, %error, "digest e-mail failed"),
            }
        }
    }
    Ok(report)
}

/// Runs the worker until the server stops (the handle is aborted by `serve`). Reminders are
/// computed at start and then every `reminder_every`.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_reminders: Option<std::time::Instant> = None;
        let mut smtp_warned = false;
        loop {
            let now = jiff::Timestamp::now();
            let result =
                if last_reminders.is_none_or(|t| t.elapsed() >= state.config().reminder_every) {
                    last_reminders = Some(std::time::Instant::now());
                    // The queue's DEP-02 risks are refreshed at the same pace as reminders.
                    let today = now.to_zoned(segur_domain::calendar::paris()).date();
                    if let Err(e) = crate::monitoring::refresh_risks(&state, today).await {
                        tracing::warn!(error = %e, "DEP-02 risks not refreshed, retrying later");
                    }
                    run_once(&state, now).await
                } else {
                    deliver(&state, now).await
                };
            match result {
                Ok(r) if r != RunReport::default() => tracing::info!(
                    notified = r.notified,
                    reminders = r.reminders,
                    emails_attempted = r.emails_attempted,
                    emails_sent = r.emails_sent,
                    digests_sent = r.digests_sent,
                    "notifications"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "notification worker: store unavailable, retrying later")
                }
            }
            if state.config().smtp.is_none() && !smtp_warned {
                smtp_warned = true;
                tracing::info!(
                    "no SMTP server configured (--smtp-url): notifications stay in the app, e-mails wait"
                );
            }
            tokio::time::sleep(state.config().notify_poll).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_settings_are_checked_and_never_print_the_password() {
        let c = SmtpConfig::parse(
            "smtp://user:s3cr3t@127.0.0.1:2525",
            "segur <no-reply@segur.example>",
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(SmtpConfig::parse("http://x", "a@b.fr").is_err());
        assert!(SmtpConfig::parse("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}
