//! Notifications: each person's in-app list and the e-mails sent for it (see
//! docs/notifications.md).
//!
//! A person reaches their own notifications only, through an [`Inbox`] bound to their user id
//! (every query filters on it). The worker's queries — turning domain events and deadline
//! reminders into notifications, claiming the e-mails due, the daily digests — cross people
//! and organisations, so they live on [`SystemStore`]; an event is only ever told to the
//! accounts of the organisation it is about (editor side) or to ANS agents (ANS side).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::events::DomainEvent;
use segur_domain::notify::{
    self, Audience, Deadline, DeadlineKind, DigestLine, EmailMode, Language, Message, Preferences,
    Reminder,
};

use crate::files::key_from_row;
use crate::records::{AuditEntry, Page, Paged};
use crate::util::{from_json, now_rfc3339, opt_date, parse_date, stored};
use crate::{Store, StoreError, SystemStore, audit};

/// Where a notification's e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// No e-mail for this one (in-app kind, e-mails off, or no address).
    None,
    /// To send, at `email_next_at`.
    Pending,
    /// Waits for the person's daily digest.
    Digest,
    Sent,
    /// Every attempt failed.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Digest => "digest",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::None => "pas de courriel",
            Self::Pending => "courriel en attente d'envoi",
            Self::Digest => "dans le prochain récapitulatif",
            Self::Sent => "courriel envoyé",
            Self::Failed => "échec de l'envoi du courriel",
        }
    }

    fn parse(s: &str) -> Result<Self, segur_domain::ParseError> {
        [
            Self::None,
            Self::Pending,
            Self::Digest,
            Self::Sent,
            Self::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| segur_domain::ParseError::new("email_status", format!("état inconnu : {s}")))
    }
}

/// One notification, as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotificationRecord {
    pub id: String,
    /// The event kind's stable name, or `deadline.reminder`.
    pub kind: String,
    pub candidature_id: Option<String>,
    pub subject: String,
    pub body: String,
    /// Path in segur of what it is about (`/candidatures/…/instruction`).
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
    pub email_status: EmailStatus,
}

/// The kind name of reminders.
pub const REMINDER_KIND: &str = "deadline.reminder";

/// An e-mail claimed by the worker.
#[derive(Debug, Clone)]
pub struct DueEmail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub language: Language,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// What sending gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailOutcome {
    pub sent: bool,
    /// Why it failed (never a credential).
    pub error: Option<String>,
    /// When to try again (Unix seconds); `None` once attempts are exhausted.
    pub retry_at: Option<i64>,
}

/// A person's digest of one day, ready to send.
#[derive(Debug, Clone)]
pub struct DigestBatch {
    pub user_id: String,
    pub to: String,
    pub language: Language,
    /// The notifications waiting for the digest: ids and lines.
    pub ids: Vec<String>,
    pub lines: Vec<DigestLine>,
}

/// What the worker needs to compute deadline reminders.
#[derive(Debug, Clone, Default)]
pub struct DeadlineSources {
    /// Open complement requests with an answer due date.
    pub complements: Vec<Deadline>,
    /// Candidatures not yet declared complete: (organisation, candidature, dispositif); their
    /// D2 comes from the dispositif's calendar.
    pub awaiting_complete_deposit: Vec<(String, String, String)>,
}

const COLUMNS: &str =
    "id, kind, candidature_id, subject, body, link, created_at, read_at, email_status";

fn record_from_row(r: &AnyRow) -> Result<NotificationRecord, StoreError> {
    Ok(NotificationRecord {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        candidature_id: r.try_get("candidature_id")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
        email_status: stored(EmailStatus::parse(&r.try_get::<String, _>("email_status")?))?,
    })
}

fn preferences_from(mode: Option<String>, lang: Option<String>) -> Result<Preferences, StoreError> {
    Ok(Preferences {
        email_mode: match mode {
            Some(m) => stored(EmailMode::parse(&m))?,
            None => EmailMode::default(),
        },
        language: match lang {
            Some(l) => stored(Language::parse(&l))?,
            None => Language::default(),
        },
    })
}

/// Where a notification of a candidature points: its instruction page, on both sides.
pub fn candidature_link(candidature_id: &str) -> String {
    format!("/candidatures/{candidature_id}/instruction")
}

/// A person's own notifications and preferences; every query is bound to the user id.
#[derive(Clone)]
pub struct Inbox {
    store: Store,
    user_id: String,
}

impl Store {
    /// The notifications of one person (the signed-in user).
    pub fn inbox(&self, user_id: &str) -> Inbox {
        Inbox {
            store: self.clone(),
            user_id: user_id.to_owned(),
        }
    }
}

impl Inbox {
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Newest first; `unread_only` keeps those not yet read.
    pub async fn list(
        &self,
        page: Page,
        unread_only: bool,
    ) -> Result<Paged<NotificationRecord>, StoreError> {
        let page = page.clamped();
        let filter = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        self.store.tick();
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1{filter}"
        )))
        .bind(&self.user_id)
        .fetch_one(self.store.pool())
        .await?
        .try_get("n")?;
        self.store.tick();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1{filter} \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(&self.user_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.store.pool())
        .await?;
        Ok(Paged {
            items: rows.iter().map(record_from_row).collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn unread_count(&self) -> Result<i64, StoreError> {
        self.store.tick();
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(&self.user_id)
        .fetch_one(self.store.pool())
        .await?
        .try_get("n")?)
    }

    /// Marks one notification read, audited in the same transaction. `NotFound` for
    /// another person's (or a missing) id; reading it twice keeps the first time.
    pub async fn mark_read(&self, id: &str, audit_entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store.tick();
        let found = sqlx::query("SELECT read_at FROM notifications WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(&self.user_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if found.try_get::<Option<String>, _>("read_at")?.is_some() {
            return Ok(());
        }
        self.store.tick();
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3")
            .bind(now_rfc3339())
            .bind(id)
            .bind(&self.user_id)
            .execute(&mut *conn)
            .await?;
        let entry = AuditEntry {
            action: "notification.read".into(),
            object: format!("notification {id}"),
            ..audit_entry.clone()
        };
        audit::append(&self.store, conn, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks every unread notification read (audited once); returns how many.
    pub async fn mark_all_read(&self, audit_entry: &AuditEntry) -> Result<u64, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store.tick();
        let n = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(now_rfc3339())
        .bind(&self.user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n > 0 {
            let entry = AuditEntry {
                action: "notification.read_all".into(),
                object: format!("{n} notification(s)"),
                ..audit_entry.clone()
            };
            audit::append(&self.store, conn, &entry).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn preferences(&self) -> Result<Preferences, StoreError> {
        self.store.tick();
        let row = sqlx::query(
            "SELECT email_mode, language FROM notification_preferences WHERE user_id = $1",
        )
        .bind(&self.user_id)
        .fetch_optional(self.store.pool())
        .await?;
        match row {
            Some(r) => preferences_from(r.try_get("email_mode")?, r.try_get("language")?),
            None => Ok(Preferences::default()),
        }
    }

    /// Saves the person's choices, audited in the same transaction. They apply to
    /// notifications made from now on.
    pub async fn set_preferences(
        &self,
        prefs: Preferences,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store.tick();
        sqlx::query(
            "INSERT INTO notification_preferences (user_id, email_mode, language, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
             email_mode = excluded.email_mode, language = excluded.language, updated_at = excluded.updated_at",
        )
        .bind(&self.user_id)
        .bind(prefs.email_mode.as_str())
        .bind(prefs.language.as_str())
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let entry = AuditEntry {
            action: "notification.preferences".into(),
            object: format!(
                "courriels : {}, langue : {}",
                prefs.email_mode.as_str(),
                prefs.language.as_str()
            ),
            ..audit_entry.clone()
        };
        audit::append(&self.store, conn, &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A person told of something, with their settings.
struct Recipient {
    user_id: String,
    login: String,
    prefs: Preferences,
}

const EDITOR_ROLES: &str = "('editor_mandataire', 'editor_representant', 'editor_salarie')";
const ANS_AGENT_ROLES: &str = "('ans_instructeur', 'ans_referent')";

fn recipients_from(rows: Vec<AnyRow>) -> Result<Vec<Recipient>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(Recipient {
                user_id: r.try_get("id")?,
                login: r.try_get("login")?,
                prefs: preferences_from(r.try_get("email_mode")?, r.try_get("language")?)?,
            })
        })
        .collect()
}

async fn editor_recipients(
    store: &Store,
    conn: &mut AnyConnection,
    organisation_id: &str,
) -> Result<Vec<Recipient>, StoreError> {
    store.tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT u.id, u.login, p.email_mode, p.language FROM users u \
         LEFT JOIN notification_preferences p ON p.user_id = u.id \
         WHERE u.organisation_id = $1 AND u.active = 1 AND u.role IN {EDITOR_ROLES} ORDER BY u.id"
    )))
    .bind(organisation_id)
    .fetch_all(&mut *conn)
    .await?;
    recipients_from(rows)
}

/// The ANS agent assigned to the candidature, or every active instructeur and référent.
async fn ans_recipients(
    store: &Store,
    conn: &mut AnyConnection,
    candidature_id: Option<&str>,
) -> Result<Vec<Recipient>, StoreError> {
    if let Some(c) = candidature_id {
        store.tick();
        let rows = sqlx::query(
            "SELECT u.id, u.login, p.email_mode, p.language FROM instruction_assignments a \
             JOIN users u ON u.id = a.assignee_user_id \
             LEFT JOIN notification_preferences p ON p.user_id = u.id \
             WHERE a.candidature_id = $1 AND u.active = 1",
        )
        .bind(c)
        .fetch_all(&mut *conn)
        .await?;
        if !rows.is_empty() {
            return recipients_from(rows);
        }
    }
    store.tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT u.id, u.login, p.email_mode, p.language FROM users u \
         LEFT JOIN notification_preferences p ON p.user_id = u.id \
         WHERE u.active = 1 AND u.role IN {ANS_AGENT_ROLES} ORDER BY u.id"
    )))
    .fetch_all(&mut *conn)
    .await?;
    recipients_from(rows)
}

/// The e-mail address of an account: its login when it is an address.
fn address_of(login: &str) -> Option<&str> {
    let (local, domain) = login.split_once('@')?;
    (!local.is_empty() && !domain.is_empty() && !login.contains(char::is_whitespace))
        .then_some(login)
}

struct NewNotification<'a> {
    organisation_id: &'a str,
    candidature_id: Option<&'a str>,
    kind: &'a str,
    source_key: &'a str,
    message: Message,
    link: Option<String>,
    emails: bool,
}

/// Inserts one notification for one person unless they already have it (same source key);
/// returns whether it was new.
async fn insert_notification(
    store: &Store,
    conn: &mut AnyConnection,
    to: &Recipient,
    n: NewNotification<'_>,
    now_unix: i64,
) -> Result<bool, StoreError> {
    let address = address_of(&to.login);
    let status = match (n.emails, address, to.prefs.email_mode) {
        (false, _, _) | (_, None, _) | (_, _, EmailMode::Off) => EmailStatus::None,
        (true, Some(_), EmailMode::Immediate) => EmailStatus::Pending,
        (true, Some(_), EmailMode::DailyDigest) => EmailStatus::Digest,
    };
    store.tick();
    let created = sqlx::query(
        "INSERT INTO notifications (id, user_id, organisation_id, candidature_id, kind, source_key, \
         subject, body, link, created_at, email_to, email_status, email_attempts, email_next_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13) \
         ON CONFLICT (user_id, source_key) DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().simple().to_string())
    .bind(&to.user_id)
    .bind(n.organisation_id)
    .bind(n.candidature_id)
    .bind(n.kind)
    .bind(n.source_key)
    .bind(&n.message.subject)
    .bind(&n.message.body)
    .bind(n.link)
    .bind(now_rfc3339())
    .bind(address.filter(|_| status != EmailStatus::None))
    .bind(status.as_str())
    .bind(now_unix)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(created == 1)
}

impl SystemStore {
    /// Turns the domain events recorded since the cursor (at most `batch`) into notifications
    /// of the people concerned ([`notify::audience`]), each in that person's language, and
    /// moves the cursor, in one transaction: twice, or concurrently, never tells anyone
    /// twice. Returns the notifications created.
    pub async fn fan_out_notifications(
        &self,
        now_unix: i64,
        batch: i64,
    ) -> Result<u64, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let last: i64 = sqlx::query(
            "UPDATE notification_cursor SET last_seq = last_seq WHERE id = 1 RETURNING last_seq",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("last_seq")?;
        store.tick();
        let events =
            sqlx::query("SELECT seq, data FROM domain_events WHERE seq > $1 ORDER BY seq LIMIT $2")
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
        let mut created = 0;
        for e in &events {
            let seq: i64 = e.try_get("seq")?;
            let event: DomainEvent = from_json(&e.try_get::<String, _>("data")?)?;
            let recipients = match notify::audience(event.kind) {
                Audience::Editor => editor_recipients(store, conn, &event.organisation_id).await?,
                Audience::Ans => {
                    ans_recipients(store, conn, event.candidature_id.as_deref()).await?
                }
            };
            let source_key = format!("event:{seq}");
            for to in &recipients {
                let fresh = insert_notification(
                    store,
                    conn,
                    to,
                    NewNotification {
                        organisation_id: &event.organisation_id,
                        candidature_id: event.candidature_id.as_deref(),
                        kind: event.kind.as_str(),
                        source_key: &source_key,
                        message: notify::render_event(&event, to.prefs.language),
                        link: event.candidature_id.as_deref().map(candidature_link),
                        emails: notify::sends_email(event.kind),
                    },
                    now_unix,
                )
                .await?;
                created += u64::from(fresh);
            }
        }
        store.tick();
        sqlx::query("UPDATE notification_cursor SET last_seq = $1 WHERE id = 1")
            .bind(max_seq)
            .execute(&mut *conn)
            .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// What reminders are computed from: open complement requests with a due date, and the
    /// candidatures still to declare complete.
    pub async fn notification_deadlines(&self) -> Result<DeadlineSources, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT d.organisation_id, d.candidature_id, d.requirement_id, d.scenario, d.proof, d.deposited_on, \
             (SELECT r.due_on FROM proof_reviews r WHERE r.organisation_id = d.organisation_id \
               AND r.candidature_id = d.candidature_id AND r.requirement_id = d.requirement_id \
               AND r.scenario = d.scenario AND r.proof = d.proof AND r.kind = 'complement_requested' \
               ORDER BY r.created_at DESC LIMIT 1) AS due_on \
             FROM proof_deposits d WHERE d.status = 'complement_requested' \
             ORDER BY d.candidature_id, d.position",
        )
        .fetch_all(store.pool())
        .await?;
        let mut out = DeadlineSources::default();
        for r in &rows {
            let Some(due) = r.try_get::<Option<String>, _>("due_on")? else {
                continue;
            };
            out.complements.push(Deadline {
                kind: DeadlineKind::ComplementAnswer,
                organisation_id: r.try_get("organisation_id")?,
                candidature_id: r.try_get("candidature_id")?,
                proof_item: Some(key_from_row(r)?),
                due_on: parse_date(&due)?,
                // A complement request records its date as the deposit's date (LIF-06).
                announced_on: opt_date(r.try_get("deposited_on")?)?,
            });
        }
        store.tick();
        let rows = sqlx::query(
            "SELECT organisation_id, id, dispositif FROM candidatures \
             WHERE state IN ('draft', 'admin_submitted', 'eligibility_complete', 'proofs_in_progress') \
             ORDER BY id",
        )
        .fetch_all(store.pool())
        .await?;
        for r in &rows {
            out.awaiting_complete_deposit.push((
                r.try_get("organisation_id")?,
                r.try_get("id")?,
                r.try_get("dispositif")?,
            ));
        }
        Ok(out)
    }

    /// Records the reminders due (each to the editor's accounts, once per person and
    /// reminder key). Returns the notifications created.
    pub async fn record_reminders(
        &self,
        reminders: &[Reminder],
        now_unix: i64,
    ) -> Result<u64, StoreError> {
        if reminders.is_empty() {
            return Ok(0);
        }
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut created = 0;
        let mut by_org: std::collections::HashMap<String, Vec<Recipient>> = Default::default();
        for r in reminders {
            let org = &r.deadline.organisation_id;
            if !by_org.contains_key(org) {
                let people = editor_recipients(store, conn, org).await?;
                by_org.insert(org.clone(), people);
            }
            let key = r.key();
            for to in by_org.get(org).into_iter().flatten() {
                created += u64::from(
                    insert_notification(
                        store,
                        conn,
                        to,
                        NewNotification {
                            organisation_id: org,
                            candidature_id: Some(&r.deadline.candidature_id),
                            kind: REMINDER_KIND,
                            source_key: &key,
                            message: r.render(to.prefs.language),
                            link: Some(candidature_link(&r.deadline.candidature_id)),
                            emails: true,
                        },
                        now_unix,
                    )
                    .await?,
                );
            }
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Claims up to `limit` e-mails due at `now_unix` (compare-and-set on the next attempt
    /// time, pushed to `lease_until`), so that two workers never send the same one and a
    /// worker that dies mid-send retries later.
    pub async fn claim_due_emails(
        &self,
        now_unix: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DueEmail>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT n.id, n.email_to, n.subject, n.body, n.link, n.email_attempts, n.email_next_at, \
             p.language FROM notifications n LEFT JOIN notification_preferences p ON p.user_id = n.user_id \
             WHERE n.email_status = 'pending' AND n.email_next_at <= $1 \
             ORDER BY n.email_next_at, n.id LIMIT $2",
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
                "UPDATE notifications SET email_next_at = $1 WHERE id = $2 AND email_status = 'pending' \
                 AND email_next_at = $3",
                &id,
                lease_until,
                r.try_get("email_next_at")?,
            )
            .await?;
            let Some(to) = r.try_get::<Option<String>, _>("email_to")? else {
                continue;
            };
            if won {
                claimed.push(DueEmail {
                    id,
                    to,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                    language: preferences_from(None, r.try_get("language")?)?.language,
                    attempts: r.try_get("email_attempts")?,
                });
            }
        }
        Ok(claimed)
    }

    /// Records one attempt of a claimed e-mail: sent, to retry, or failed for good.
    pub async fn record_email_attempt(
        &self,
        notification_id: &str,
        outcome: &EmailOutcome,
    ) -> Result<(), StoreError> {
        let (status, next) = match (outcome.sent, outcome.retry_at) {
            (true, _) => (EmailStatus::Sent, None),
            (false, Some(at)) => (EmailStatus::Pending, Some(at)),
            (false, None) => (EmailStatus::Failed, None),
        };
        let store = self.store();
        store.tick();
        sqlx::query(
            "UPDATE notifications SET email_attempts = email_attempts + 1, email_status = $1, \
             email_next_at = COALESCE($2, email_next_at), email_error = $3, emailed_at = $4 \
             WHERE id = $5 AND email_status = 'pending'",
        )
        .bind(status.as_str())
        .bind(next)
        .bind(
            outcome
                .error
                .as_deref()
                .map(|e| e.chars().take(500).collect::<String>()),
        )
        .bind(outcome.sent.then(now_rfc3339))
        .bind(notification_id)
        .execute(store.pool())
        .await?;
        Ok(())
    }

    /// The digests to send for `day`: every person with notifications waiting for their
    /// digest and no digest yet that day (at most `limit` people, 200 lines each).
    pub async fn digests_due(
        &self,
        day: jiff::civil::Date,
        limit: i64,
    ) -> Result<Vec<DigestBatch>, StoreError> {
        let store = self.store();
        store.tick();
        let people = sqlx::query(
            "SELECT DISTINCT n.user_id FROM notifications n WHERE n.email_status = 'digest' \
             AND NOT EXISTS (SELECT 1 FROM notification_digests g WHERE g.user_id = n.user_id AND g.day = $1) \
             ORDER BY n.user_id LIMIT $2",
        )
        .bind(day.to_string())
        .bind(limit.max(1))
        .fetch_all(store.pool())
        .await?;
        let mut out = Vec::new();
        for p in &people {
            let user_id: String = p.try_get("user_id")?;
            store.tick();
            let rows = sqlx::query(
                "SELECT n.id, n.email_to, n.subject, n.link, p.language FROM notifications n \
                 LEFT JOIN notification_preferences p ON p.user_id = n.user_id \
                 WHERE n.user_id = $1 AND n.email_status = 'digest' ORDER BY n.created_at, n.id LIMIT 200",
            )
            .bind(&user_id)
            .fetch_all(store.pool())
            .await?;
            let Some(first) = rows.first() else {
                continue;
            };
            let Some(to) = first.try_get::<Option<String>, _>("email_to")? else {
                continue;
            };
            let language = preferences_from(None, first.try_get("language")?)?.language;
            let mut batch = DigestBatch {
                user_id,
                to,
                language,
                ids: Vec::new(),
                lines: Vec::new(),
            };
            for r in &rows {
                batch.ids.push(r.try_get("id")?);
                batch.lines.push(DigestLine {
                    subject: r.try_get("subject")?,
                    link: r.try_get("link")?,
                });
            }
            out.push(batch);
        }
        Ok(out)
    }

    /// Records a digest sent for `day`: its notifications marked sent and the day taken, in
    /// one transaction. `Conflict` when that person's digest of the day was already recorded
    /// (another worker sent it).
    pub async fn record_digest_sent(
        &self,
        batch: &DigestBatch,
        day: jiff::civil::Date,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let taken = sqlx::query(
            "INSERT INTO notification_digests (user_id, day, notifications, sent_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, day) DO NOTHING",
        )
        .bind(&batch.user_id)
        .bind(day.to_string())
        .bind(i64::try_from(batch.ids.len()).unwrap_or(i64::MAX))
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if taken == 0 {
            return Err(StoreError::Conflict(
                "récapitulatif du jour déjà envoyé".into(),
            ));
        }
        let now = now_rfc3339();
        for id in &batch.ids {
            store.tick();
            sqlx::query(
                "UPDATE notifications SET email_status = 'sent', emailed_at = $1, \
                 email_attempts = email_attempts + 1 WHERE id = $2 AND user_id = $3 AND email_status = 'digest'",
            )
            .bind(&now)
            .bind(id)
            .bind(&batch.user_id)
            .execute(&mut *conn)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many e-mails wait or failed, for the health of the worker (logs, tests).
    pub async fn email_counts(&self) -> Result<Vec<(EmailStatus, i64)>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT email_status, COUNT(*) AS n FROM notifications GROUP BY email_status ORDER BY email_status",
        )
        .fetch_all(store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    stored(EmailStatus::parse(&r.try_get::<String, _>("email_status")?))?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_logins_that_are_addresses_get_e_mails() {
        assert_eq!(address_of("alice@ed-a.fr"), Some("alice@ed-a.fr"));
        assert_eq!(address_of("alice"), None);
        assert_eq!(address_of("@x"), None);
        assert_eq!(address_of("a b@x"), None);
    }
}
