//! Instruction by the ANS (issue #6): decisions on proof items and complement requests
//! (LIF-06, LIF-07), the editor's answers, the candidature's message thread, referral with its
//! NRU and attestation (LIF-08), refusal, withdrawal with the EQV-13 cascade, the instruction
//! queue and its assignments.
//!
//! A candidature's data is reached through its `TenantStore` (every query binds the
//! organisation); the queue, the assignments, the register's attestation lookup and the
//! withdrawal (which crosses editors: EQV-13) are `SystemStore` methods, reached by the server
//! only after the policy allowed the ANS. Every mutation writes its audit event and its domain
//! event (notifications, webhooks) in its own transaction.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::candidature::{CandidatureEvent, CandidatureState};
use segur_domain::catalogue::ProofItemKey;
use segur_domain::decision::{
    AttestationContent, AttestationInput, Motivation, NruTemplate, VerificationCode,
    attestation_content, losing_equivalence,
};
use segur_domain::events::{DomainEvent, EventKind};
use segur_domain::instruction::{ItemDecision, check_answer, check_item_decision};
use segur_domain::proof::ProofStatus;
use segur_domain::referencing::{Nru, Referencing, ReferencingStatus};
use segur_domain::rules::Risk;
use segur_domain::world::WorldCandidature;

use crate::files::{FileFacts, ScanState, check_sha256, key_from_row, sanitize_file_name};
use crate::records::{AuditEntry, Page, Paged};
use crate::system::SystemStore;
use crate::tenant::TenantStore;
use crate::util::{escape_like, from_json, json, now_rfc3339, opt_date, parse_date, stored};
use crate::{Store, StoreError, audit};

/// Who wrote a review row or a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Ans,
    Editor,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ans => "ans",
            Self::Editor => "editor",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "ans" { Self::Ans } else { Self::Editor }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Ans => "ANS",
            Self::Editor => "Éditeur",
        }
    }
}

/// One row of a proof item's history: an ANS decision or an editor answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecord {
    pub id: String,
    pub candidature_id: String,
    pub key: ProofItemKey,
    /// `validated`, `rejected`, `complement_requested` or `answered`.
    pub kind: String,
    pub motivation: String,
    pub due_on: Option<Date>,
    pub file_version: Option<i64>,
    pub author_user_id: Option<String>,
    pub author_name: Option<String>,
    pub author_side: Side,
    pub created_at: String,
    pub answered_at: Option<String>,
}

impl ReviewRecord {
    pub fn kind_label_fr(&self) -> &'static str {
        match self.kind.as_str() {
            "validated" => "Preuve validée",
            "rejected" => "Preuve refusée",
            "complement_requested" => "Complément demandé",
            "answered" => "Réponse de l'éditeur",
            _ => "Décision",
        }
    }
}

/// One message of a candidature's thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    pub id: String,
    pub candidature_id: String,
    pub author_user_id: Option<String>,
    pub author_name: Option<String>,
    pub author_side: Side,
    pub body: String,
    pub file_id: Option<String>,
    pub file_name: Option<String>,
    /// The attached file's facts (same file as `file_id`).
    pub attachment: Option<MessageAttachment>,
    pub created_at: String,
}

/// The file attached to a message: a proof file of the organisation, or a file the ANS sent
/// with its message (stored in the organisation's file space, never linked to a proof item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageAttachment {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub media_type: String,
    pub scan_state: ScanState,
}

/// A file received with a message (already checked and stored as a blob of the
/// organisation under `facts.sha256`).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Original name; sanitised by the store.
    pub file_name: String,
    pub facts: FileFacts,
}

/// An open complement request: the item, when it was asked, when the answer is due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenComplement {
    pub key: ProofItemKey,
    pub requested_on: Date,
    pub due_on: Option<Date>,
    pub motivation: String,
}

/// An issued attestation de référencement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttestationRecord {
    pub code: VerificationCode,
    pub nru: Nru,
    pub organisation_id: String,
    pub candidature_id: String,
    pub content: AttestationContent,
    pub pdf_sha256: String,
    pub pdf_size: i64,
    pub issued_at: String,
    pub withdrawn_at: Option<String>,
    pub withdrawal_motivation: Option<String>,
}

/// A decision on a candidature as a whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidatureDecisionRecord {
    /// `referred`, `refused` or `withdrawn`.
    pub kind: String,
    pub motivation: String,
    pub nru: Option<String>,
    pub author_user_id: Option<String>,
    pub decided_on: Date,
    pub created_at: String,
}

/// What a referral needs besides the candidature.
#[derive(Debug, Clone)]
pub struct ReferralInput<'a> {
    pub template: &'a NruTemplate,
    pub today: Date,
    pub code: VerificationCode,
    pub public_url: &'a str,
    /// An optional note of the référent, kept with the decision.
    pub note: Option<&'a str>,
}

const REVIEW_COLUMNS: &str = "r.id, r.candidature_id, r.requirement_id, r.scenario, r.proof, r.kind, r.motivation, \
     r.due_on, r.file_version, r.author_user_id, r.author_side, r.created_at, r.answered_at, \
     u.display_name AS author_name";

fn review_from_row(row: &AnyRow) -> Result<ReviewRecord, StoreError> {
    Ok(ReviewRecord {
        id: row.try_get("id")?,
        candidature_id: row.try_get("candidature_id")?,
        key: key_from_row(row)?,
        kind: row.try_get("kind")?,
        motivation: row.try_get("motivation")?,
        due_on: opt_date(row.try_get("due_on")?)?,
        file_version: row.try_get("file_version")?,
        author_user_id: row.try_get("author_user_id")?,
        author_name: row.try_get("author_name")?,
        author_side: Side::parse(&row.try_get::<String, _>("author_side")?),
        created_at: row.try_get("created_at")?,
        answered_at: row.try_get("answered_at")?,
    })
}

fn attestation_from_row(row: &AnyRow) -> Result<AttestationRecord, StoreError> {
    Ok(AttestationRecord {
        code: stored(VerificationCode::parse(&row.try_get::<String, _>("code")?))?,
        nru: stored(Nru::parse(&row.try_get::<String, _>("nru")?))?,
        organisation_id: row.try_get("organisation_id")?,
        candidature_id: row.try_get("candidature_id")?,
        content: from_json(&row.try_get::<String, _>("content")?)?,
        pdf_sha256: row.try_get("pdf_sha256")?,
        pdf_size: row.try_get("pdf_size")?,
        issued_at: row.try_get("issued_at")?,
        withdrawn_at: row.try_get("withdrawn_at")?,
        withdrawal_motivation: row.try_get("withdrawal_motivation")?,
    })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Reads the candidature (this organisation's) inside `conn`.
async fn load_candidature(
    store: &Store,
    conn: &mut AnyConnection,
    organisation_id: &str,
    candidature_id: &str,
) -> Result<WorldCandidature, StoreError> {
    store.tick();
    let row = sqlx::query("SELECT data FROM candidatures WHERE id = $1 AND organisation_id = $2")
        .bind(candidature_id)
        .bind(organisation_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_json(&row.try_get::<String, _>("data")?)
}

async fn save_candidature(
    store: &Store,
    conn: &mut AnyConnection,
    organisation_id: &str,
    candidature_id: &str,
    c: &WorldCandidature,
) -> Result<(), StoreError> {
    store.tick();
    sqlx::query(
        "UPDATE candidatures SET state = $1, data = $2 WHERE id = $3 AND organisation_id = $4",
    )
    .bind(c.candidature.state.as_str())
    .bind(json(c)?)
    .bind(candidature_id)
    .bind(organisation_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn conflict(e: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(e.to_string())
}

impl TenantStore {
    fn audit_entry(&self, audit: &AuditEntry, action: &str, object: String) -> AuditEntry {
        let mut entry = audit.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id().to_owned());
        entry.action = action.to_owned();
        if entry.object.is_empty() {
            entry.object = object;
        }
        entry
    }

    async fn deposit_status(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
    ) -> Result<Option<ProofStatus>, StoreError> {
        self.store().tick();
        let row = sqlx::query(
            "SELECT status FROM proof_deposits WHERE organisation_id = $1 AND candidature_id = $2 \
             AND requirement_id = $3 AND scenario = $4 AND proof = $5",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|r| stored(ProofStatus::parse(&r.try_get::<String, _>("status")?)))
            .transpose()
    }

    async fn set_deposit_status(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
        status: ProofStatus,
        deposited_on: Option<Date>,
    ) -> Result<(), StoreError> {
        self.store().tick();
        sqlx::query(
            "UPDATE proof_deposits SET status = $1, updated_at = $2, \
             deposited_on = COALESCE($3, deposited_on) WHERE organisation_id = $4 \
             AND candidature_id = $5 AND requirement_id = $6 AND scenario = $7 AND proof = $8",
        )
        .bind(status.as_str())
        .bind(now_rfc3339())
        .bind(deposited_on.map(|d| d.to_string()))
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The item's current file version and how many of its files are not yet clean.
    async fn current_version(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
    ) -> Result<(Option<i64>, i64), StoreError> {
        self.store().tick();
        let row = sqlx::query(
            "SELECT MAX(version) AS v FROM proof_file_links WHERE organisation_id = $1 \
             AND candidature_id = $2 AND requirement_id = $3 AND scenario = $4 AND proof = $5",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_one(&mut *conn)
        .await?;
        let version: Option<i64> = row.try_get("v")?;
        let Some(v) = version else {
            return Ok((None, 0));
        };
        self.store().tick();
        let unclean: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM proof_file_links l JOIN proof_files f ON f.id = l.file_id \
             AND f.organisation_id = l.organisation_id WHERE l.organisation_id = $1 \
             AND l.candidature_id = $2 AND l.requirement_id = $3 AND l.scenario = $4 \
             AND l.proof = $5 AND l.version = $6 AND f.scan_state <> 'clean'",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(v)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        Ok((Some(v), unclean))
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_review(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
        kind: &str,
        motivation: &str,
        due_on: Option<Date>,
        file_version: Option<i64>,
        author: Option<&str>,
        side: Side,
    ) -> Result<String, StoreError> {
        let id = new_id();
        self.store().tick();
        sqlx::query(
            "INSERT INTO proof_reviews (id, organisation_id, candidature_id, requirement_id, scenario, proof, kind, \
             motivation, due_on, file_version, author_user_id, author_side, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&id)
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(kind)
        .bind(motivation)
        .bind(due_on.map(|d| d.to_string()))
        .bind(file_version)
        .bind(author)
        .bind(side.as_str())
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }

    async fn review_by_id(
        &self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<ReviewRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM proof_reviews r LEFT JOIN users u ON u.id = r.author_user_id \
             WHERE r.id = $1 AND r.organisation_id = $2"
        )))
        .bind(id)
        .bind(self.organisation_id())
        .fetch_one(&mut *conn)
        .await?;
        review_from_row(&row)
    }

    /// An ANS decision on one proof item, with its motivation (validate, reject, request a
    /// complement with an answer due date). The domain checks the candidature is in
    /// instruction and the item awaits review; the item's current files must all be clean
    /// (nothing is reviewable before the antivirus said so). A complement request records its
    /// date as the deposit's `deposited_on` (what LIF-06 counts from) and keeps the
    /// candidature in instruction through the state machine (`RequestComplement`). The caller
    /// checks the calendar rules (LIF-07) first. One transaction: status, history row, audit
    /// and domain events.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_item(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        decision: ItemDecision,
        motivation: &Motivation,
        due_on: Option<Date>,
        today: Date,
        audit: &AuditEntry,
    ) -> Result<ReviewRecord, StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let c =
            load_candidature(self.store(), conn, self.organisation_id(), candidature_id).await?;
        let current = self.deposit_status(conn, candidature_id, key).await?;
        check_item_decision(c.candidature.state, current, decision).map_err(conflict)?;
        if decision == ItemDecision::RequestComplement {
            c.candidature
                .state
                .apply(CandidatureEvent::RequestComplement)
                .map_err(conflict)?;
        }
        let (version, unclean) = self.current_version(conn, candidature_id, key).await?;
        if unclean > 0 {
            return Err(StoreError::Conflict(format!(
                "la preuve {key} a {unclean} fichier(s) dont l'analyse antivirus n'est pas terminée ou a échoué : \
                 pas de décision avant qu'ils soient sains"
            )));
        }
        let status = decision.status();
        let requested_on = (decision == ItemDecision::RequestComplement).then_some(today);
        self.set_deposit_status(conn, candidature_id, key, status, requested_on)
            .await?;
        let due_on = if decision == ItemDecision::RequestComplement {
            due_on
        } else {
            None
        };
        let id = self
            .insert_review(
                conn,
                candidature_id,
                key,
                decision.review_kind(),
                motivation.as_str(),
                due_on,
                version,
                audit.actor_user_id.as_deref(),
                Side::Ans,
            )
            .await?;
        let entry = self.audit_entry(
            audit,
            &format!("proof.{}", decision.review_kind()),
            format!(
                "candidature {candidature_id} : {key} → {} ; motivation : {}",
                status.as_str(),
                motivation.as_str()
            ),
        );
        let mut event = DomainEvent::new(decision.event(), self.organisation_id())
            .candidature(candidature_id)
            .item(key.clone())
            .detail(motivation.as_str());
        if let Some(d) = due_on {
            event = event.due(d);
        }
        crate::queue_stats::refresh(self.store(), conn, candidature_id).await?;
        audit::append_with_event(self.store(), conn, &entry, &event).await?;
        let review = self.review_by_id(conn, &id).await?;
        tx.commit().await?;
        Ok(review)
    }

    /// The editor's answer to a complement request (or to a rejection), with its message. The
    /// item goes back to "deposited" for review — with the new version if the editor
    /// re-deposited, the previous files otherwise — and the open requests are marked answered.
    pub async fn answer_item(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        message: &Motivation,
        today: Date,
        audit: &AuditEntry,
    ) -> Result<ReviewRecord, StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let c =
            load_candidature(self.store(), conn, self.organisation_id(), candidature_id).await?;
        let current = self.deposit_status(conn, candidature_id, key).await?;
        check_answer(c.candidature.state, current).map_err(conflict)?;
        self.store().tick();
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM proof_reviews WHERE organisation_id = $1 AND candidature_id = $2 \
             AND requirement_id = $3 AND scenario = $4 AND proof = $5 \
             AND kind IN ('complement_requested', 'rejected') AND answered_at IS NULL",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        // An item imported as "complement requested" has no history row: its status is the
        // request. A deposited item with nothing open has been answered already.
        if open == 0 && current == Some(ProofStatus::Deposited) {
            return Err(StoreError::Conflict(format!(
                "aucune demande de l'ANS n'attend de réponse sur la preuve {key}"
            )));
        }
        if current != Some(ProofStatus::Deposited) {
            self.set_deposit_status(
                conn,
                candidature_id,
                key,
                ProofStatus::Deposited,
                Some(today),
            )
            .await?;
        }
        let now = now_rfc3339();
        self.store().tick();
        sqlx::query(
            "UPDATE proof_reviews SET answered_at = $1 WHERE organisation_id = $2 AND candidature_id = $3 \
             AND requirement_id = $4 AND scenario = $5 AND proof = $6 \
             AND kind IN ('complement_requested', 'rejected') AND answered_at IS NULL",
        )
        .bind(&now)
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .execute(&mut *conn)
        .await?;
        let (version, _) = self.current_version(conn, candidature_id, key).await?;
        let id = self
            .insert_review(
                conn,
                candidature_id,
                key,
                "answered",
                message.as_str(),
                None,
                version,
                audit.actor_user_id.as_deref(),
                Side::Editor,
            )
            .await?;
        let entry = self.audit_entry(
            audit,
            "proof.answered",
            format!(
                "candidature {candidature_id} : {key} → réponse de l'éditeur (version {})",
                version.unwrap_or(0)
            ),
        );
        let event = DomainEvent::new(EventKind::ComplementAnswered, self.organisation_id())
            .candidature(candidature_id)
            .item(key.clone())
            .detail(message.as_str());
        crate::queue_stats::refresh(self.store(), conn, candidature_id).await?;
        audit::append_with_event(self.store(), conn, &entry, &event).await?;
        let review = self.review_by_id(conn, &id).await?;
        tx.commit().await?;
        Ok(review)
    }

    /// `NotFound` unless the candidature is this organisation's: lists of another editor's
    /// candidature are "not found", never an empty list.
    async fn ensure_candidature(&self, candidature_id: &str) -> Result<(), StoreError> {
        self.store().tick();
        sqlx::query("SELECT id FROM candidatures WHERE id = $1 AND organisation_id = $2")
            .bind(candidature_id)
            .bind(self.organisation_id())
            .fetch_optional(self.store().pool())
            .await?
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    /// Every decision and answer of a candidature, oldest first.
    pub async fn list_reviews(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<ReviewRecord>, StoreError> {
        self.ensure_candidature(candidature_id).await?;
        self.store().tick();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM proof_reviews r LEFT JOIN users u ON u.id = r.author_user_id \
             WHERE r.organisation_id = $1 AND r.candidature_id = $2 ORDER BY r.created_at, r.id"
        )))
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter().map(review_from_row).collect()
    }

    /// The complement requests still waiting for the editor (items whose status is
    /// "complement requested"), with their request and due dates, earliest due first.
    pub async fn open_complements(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<OpenComplement>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(
            "SELECT d.requirement_id, d.scenario, d.proof, d.deposited_on, \
             (SELECT r.due_on FROM proof_reviews r WHERE r.organisation_id = d.organisation_id \
               AND r.candidature_id = d.candidature_id AND r.requirement_id = d.requirement_id \
               AND r.scenario = d.scenario AND r.proof = d.proof AND r.kind = 'complement_requested' \
               ORDER BY r.created_at DESC LIMIT 1) AS due_on, \
             (SELECT r.motivation FROM proof_reviews r WHERE r.organisation_id = d.organisation_id \
               AND r.candidature_id = d.candidature_id AND r.requirement_id = d.requirement_id \
               AND r.scenario = d.scenario AND r.proof = d.proof AND r.kind = 'complement_requested' \
               ORDER BY r.created_at DESC LIMIT 1) AS motivation \
             FROM proof_deposits d WHERE d.organisation_id = $1 AND d.candidature_id = $2 \
             AND d.status = 'complement_requested' ORDER BY d.position",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_all(self.store().pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(OpenComplement {
                    key: key_from_row(r)?,
                    requested_on: match opt_date(r.try_get("deposited_on")?)? {
                        Some(d) => d,
                        None => return Err(StoreError::invalid("demande de complément sans date")),
                    },
                    due_on: opt_date(r.try_get("due_on")?)?,
                    motivation: r
                        .try_get::<Option<String>, _>("motivation")?
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|o| o.due_on);
        Ok(out)
    }

    /// Posts a message to the candidature's thread, optionally with one of the organisation's
    /// clean proof files attached.
    pub async fn post_message(
        &self,
        candidature_id: &str,
        side: Side,
        body: &Motivation,
        file_id: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<MessageRecord, StoreError> {
        self.insert_message(candidature_id, side, body, file_id, None, audit)
            .await
    }

    /// Posts a message with a file received in the same request (the ANS's annotated
    /// screenshot, a reference document): the file row in the organisation's file space
    /// (pending antivirus scan, reused when the organisation already holds that content; never
    /// linked to a proof item), the message pointing to it, the audit event and the domain
    /// event, in one transaction. The blob must already be stored under `new.facts.sha256`.
    pub async fn post_message_with_upload(
        &self,
        candidature_id: &str,
        side: Side,
        body: &Motivation,
        new: &NewAttachment,
        audit: &AuditEntry,
    ) -> Result<MessageRecord, StoreError> {
        self.insert_message(candidature_id, side, body, None, Some(new), audit)
            .await
    }

    async fn insert_message(
        &self,
        candidature_id: &str,
        side: Side,
        body: &Motivation,
        file_id: Option<&str>,
        upload: Option<&NewAttachment>,
        audit: &AuditEntry,
    ) -> Result<MessageRecord, StoreError> {
        let upload_name = match upload {
            Some(u) => {
                check_sha256(&u.facts.sha256)?;
                if u.facts.size <= 0 {
                    return Err(StoreError::invalid(
                        "fichier vide (0 octet) : rien à joindre",
                    ));
                }
                Some(sanitize_file_name(&u.file_name)?)
            }
            None => None,
        };
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let c =
            load_candidature(self.store(), conn, self.organisation_id(), candidature_id).await?;
        if c.candidature.state.is_final() {
            return Err(StoreError::Conflict(format!(
                "la candidature est « {} » : le fil d'échanges est clos",
                c.candidature.state.label_fr()
            )));
        }
        if let Some(f) = file_id {
            self.store().tick();
            let row = sqlx::query(
                "SELECT scan_state FROM proof_files WHERE id = $1 AND organisation_id = $2",
            )
            .bind(f)
            .bind(self.organisation_id())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::invalid("pièce jointe inconnue"))?;
            if row.try_get::<String, _>("scan_state")? != "clean" {
                return Err(StoreError::Conflict(
                    "la pièce jointe n'est pas encore déclarée saine par l'antivirus".into(),
                ));
            }
        }
        let stored_file = match (upload, &upload_name) {
            (Some(u), Some(name)) => Some(
                self.upsert_file(conn, &u.facts, name, None, audit.actor_user_id.as_deref())
                    .await?,
            ),
            _ => None,
        };
        let file_id = stored_file.as_ref().map(|f| f.id.as_str()).or(file_id);
        let id = new_id();
        self.store().tick();
        sqlx::query(
            "INSERT INTO candidature_messages (id, organisation_id, candidature_id, author_user_id, author_side, \
             body, file_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(&audit.actor_user_id)
        .bind(side.as_str())
        .bind(body.as_str())
        .bind(file_id)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let kind = match side {
            Side::Ans => EventKind::MessageFromAns,
            Side::Editor => EventKind::MessageFromEditor,
        };
        let excerpt: String = body.as_str().chars().take(280).collect();
        let entry = self.audit_entry(
            audit,
            "message.post",
            format!(
                "candidature {candidature_id} : message de {}{}",
                side.label_fr(),
                match &stored_file {
                    Some(f) => format!(
                        " avec pièce jointe envoyée « {} » ({} octets, sha256 {}, fichier {})",
                        f.original_name, f.size, f.sha256, f.id
                    ),
                    None => file_id
                        .map(|f| format!(" avec pièce jointe {f}"))
                        .unwrap_or_default(),
                }
            ),
        );
        let event = DomainEvent::new(kind, self.organisation_id())
            .candidature(candidature_id)
            .detail(excerpt);
        audit::append_with_event(self.store(), conn, &entry, &event).await?;
        tx.commit().await?;
        self.list_messages(candidature_id)
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The candidature's thread, oldest first.
    pub async fn list_messages(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.ensure_candidature(candidature_id).await?;
        self.store().tick();
        let rows = sqlx::query(
            "SELECT m.id, m.candidature_id, m.author_user_id, u.display_name AS author_name, m.author_side, \
             m.body, m.file_id, f.original_name AS file_name, f.size AS file_size, f.sha256 AS file_sha256, \
             f.media_type AS file_media_type, f.scan_state AS file_scan_state, m.created_at FROM candidature_messages m \
             LEFT JOIN users u ON u.id = m.author_user_id \
             LEFT JOIN proof_files f ON f.id = m.file_id AND f.organisation_id = m.organisation_id \
             WHERE m.organisation_id = $1 AND m.candidature_id = $2 ORDER BY m.created_at, m.id",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MessageRecord {
                    id: r.try_get("id")?,
                    candidature_id: r.try_get("candidature_id")?,
                    author_user_id: r.try_get("author_user_id")?,
                    author_name: r.try_get("author_name")?,
                    author_side: Side::parse(&r.try_get::<String, _>("author_side")?),
                    body: r.try_get("body")?,
                    file_id: r.try_get("file_id")?,
                    file_name: r.try_get("file_name")?,
                    attachment: attachment_from_row(r)?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Refers the candidature (LIF-08): the state machine must allow `Refer` (the caller has
    /// checked with the rules engine that every required item is validated); a new NRU is taken
    /// from the template's counter (never given twice: the counter row is bumped inside the
    /// transaction and an NRU already known is skipped), the referencing is recorded for the
    /// register, the attestation is built, rendered by `render` and stored as a blob of the
    /// organisation, and the decision, audit and domain events are written — all or nothing.
    pub async fn refer_candidature<F>(
        &self,
        candidature_id: &str,
        input: &ReferralInput<'_>,
        render: F,
        audit: &AuditEntry,
    ) -> Result<AttestationRecord, StoreError>
    where
        F: FnOnce(&AttestationContent) -> Result<Vec<u8>, String>,
    {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut c =
            load_candidature(self.store(), conn, self.organisation_id(), candidature_id).await?;
        let next = c
            .candidature
            .state
            .apply(CandidatureEvent::Refer)
            .map_err(conflict)?;
        if c.candidature.solution.names.is_empty() {
            return Err(StoreError::Conflict(
                "la candidature n'a aucun nom commercial : pas d'attestation possible (LIF-08)"
                    .into(),
            ));
        }
        let dispositif = c.candidature.dispositif.clone();
        let year = input.today.year();
        let scope = input.template.scope(&dispositif, year);
        let nru = loop {
            self.store().tick();
            let seq: i64 = sqlx::query(
                "INSERT INTO nru_counters (scope, last_seq) VALUES ($1, 1) ON CONFLICT (scope) \
                 DO UPDATE SET last_seq = nru_counters.last_seq + 1 RETURNING last_seq",
            )
            .bind(&scope)
            .fetch_one(&mut *conn)
            .await?
            .try_get("last_seq")?;
            let seq =
                u64::try_from(seq).map_err(|_| StoreError::invalid("compteur NRU négatif"))?;
            let nru = input
                .template
                .render(&dispositif, year, seq)
                .map_err(|e| StoreError::invalid(format!("format de NRU : {e}")))?;
            self.store().tick();
            let taken = sqlx::query("SELECT nru FROM referencings WHERE nru = $1")
                .bind(nru.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
            if !taken {
                break nru;
            }
        };
        self.store().tick();
        let names = sqlx::query(
            "SELECT o.name AS editor, (SELECT d.name FROM dispositifs d WHERE d.code = $2) AS dispositif \
             FROM organisations o WHERE o.id = $1",
        )
        .bind(self.organisation_id())
        .bind(dispositif.as_str())
        .fetch_one(&mut *conn)
        .await?;
        let editor_name: String = names.try_get("editor")?;
        let dispositif_name: String = names
            .try_get::<Option<String>, _>("dispositif")?
            .unwrap_or_else(|| dispositif.as_str().to_owned());
        let content = attestation_content(
            &c.candidature,
            &AttestationInput {
                nru: &nru,
                editor_name: &editor_name,
                dispositif_name: &dispositif_name,
                referenced_on: input.today,
                code: &input.code,
                public_url: input.public_url,
            },
        )
        .map_err(conflict)?;
        let pdf =
            render(&content).map_err(|e| StoreError::invalid(format!("attestation PDF : {e}")))?;
        let pdf_size = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
        let pdf_sha256 = self
            .store()
            .blobs()
            .put(self.organisation_id(), pdf)
            .await?;
        let referencing = Referencing {
            nru: nru.clone(),
            dispositif: dispositif.clone(),
            referenced_on: input.today,
            status: ReferencingStatus::Active,
            profiles: c.candidature.profiles.clone(),
            solution: c.candidature.solution.clone(),
            rem_version: Some(c.candidature.rem_version.clone()),
        };
        self.store().tick();
        sqlx::query(
            "INSERT INTO referencings (nru, organisation_id, dispositif, status, referenced_on, rem_version, position, data) \
             VALUES ($1, $2, $3, 'active', $4, $5, (SELECT COALESCE(MAX(position), -1) + 1 FROM referencings), $6)",
        )
        .bind(nru.as_str())
        .bind(self.organisation_id())
        .bind(dispositif.as_str())
        .bind(input.today.to_string())
        .bind(&c.candidature.rem_version)
        .bind(json(&referencing)?)
        .execute(&mut *conn)
        .await?;
        c.candidature.state = next;
        c.candidature.obtained_nru = Some(nru.clone());
        save_candidature(
            self.store(),
            conn,
            self.organisation_id(),
            candidature_id,
            &c,
        )
        .await?;
        let issued_at = now_rfc3339();
        self.store().tick();
        sqlx::query(
            "INSERT INTO attestations (code, nru, organisation_id, candidature_id, content, pdf_sha256, pdf_size, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(input.code.as_str())
        .bind(nru.as_str())
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(json(&content)?)
        .bind(&pdf_sha256)
        .bind(pdf_size)
        .bind(&issued_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(
                "une attestation existe déjà pour cette candidature (LIF-08)".into(),
            ),
            other => other,
        })?;
        self.insert_decision(
            conn,
            candidature_id,
            "referred",
            input.note.unwrap_or(""),
            Some(nru.as_str()),
            audit.actor_user_id.as_deref(),
            input.today,
        )
        .await?;
        let entry = self.audit_entry(
            audit,
            "candidature.refer",
            format!(
                "candidature {candidature_id} référencée : NRU {nru}, attestation {} sha256 {pdf_sha256} (LIF-08)",
                input.code
            ),
        );
        let mut event = DomainEvent::new(EventKind::CandidatureReferred, self.organisation_id())
            .candidature(candidature_id)
            .detail(format!("NRU {nru} délivré le {}", input.today));
        event.nru = Some(nru.as_str().to_owned());
        audit::append_with_event(self.store(), conn, &entry, &event).await?;
        tx.commit().await?;
        Ok(AttestationRecord {
            code: input.code.clone(),
            nru,
            organisation_id: self.organisation_id().to_owned(),
            candidature_id: candidature_id.to_owned(),
            content,
            pdf_sha256,
            pdf_size,
            issued_at,
            withdrawn_at: None,
            withdrawal_motivation: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_decision(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        kind: &str,
        motivation: &str,
        nru: Option<&str>,
        author: Option<&str>,
        on: Date,
    ) -> Result<(), StoreError> {
        self.store().tick();
        sqlx::query(
            "INSERT INTO candidature_decisions (id, organisation_id, candidature_id, kind, motivation, nru, \
             author_user_id, decided_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(kind)
        .bind(motivation)
        .bind(nru)
        .bind(author)
        .bind(on.to_string())
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Refuses the candidature with a motivation (state machine `Refuse`).
    pub async fn refuse_candidature(
        &self,
        candidature_id: &str,
        motivation: &Motivation,
        today: Date,
        audit: &AuditEntry,
    ) -> Result<CandidatureState, StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut c =
            load_candidature(self.store(), conn, self.organisation_id(), candidature_id).await?;
        let next = c
            .candidature
            .state
            .apply(CandidatureEvent::Refuse)
            .map_err(conflict)?;
        c.candidature.state = next;
        save_candidature(
            self.store(),
            conn,
            self.organisation_id(),
            candidature_id,
            &c,
        )
        .await?;
        self.insert_decision(
            conn,
            candidature_id,
            "refused",
            motivation.as_str(),
            None,
            audit.actor_user_id.as_deref(),
            today,
        )
        .await?;
        let entry = self.audit_entry(
            audit,
            "candidature.refuse",
            format!(
                "candidature {candidature_id} refusée ; motivation : {}",
                motivation.as_str()
            ),
        );
        let event = DomainEvent::new(EventKind::CandidatureRefused, self.organisation_id())
            .candidature(candidature_id)
            .detail(motivation.as_str());
        audit::append_with_event(self.store(), conn, &entry, &event).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The decisions taken on the candidature as a whole, oldest first.
    pub async fn list_decisions(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<CandidatureDecisionRecord>, StoreError> {
        self.ensure_candidature(candidature_id).await?;
        self.store().tick();
        let rows = sqlx::query(
            "SELECT kind, motivation, nru, author_user_id, decided_on, created_at FROM candidature_decisions \
             WHERE organisation_id = $1 AND candidature_id = $2 ORDER BY created_at, id",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CandidatureDecisionRecord {
                    kind: r.try_get("kind")?,
                    motivation: r.try_get("motivation")?,
                    nru: r.try_get("nru")?,
                    author_user_id: r.try_get("author_user_id")?,
                    decided_on: parse_date(&r.try_get::<String, _>("decided_on")?)?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The candidature's attestation, if it was referred.
    pub async fn attestation(
        &self,
        candidature_id: &str,
    ) -> Result<Option<AttestationRecord>, StoreError> {
        self.store().tick();
        let row = sqlx::query(
            "SELECT * FROM attestations WHERE organisation_id = $1 AND candidature_id = $2",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_optional(self.store().pool())
        .await?;
        row.as_ref().map(attestation_from_row).transpose()
    }
}

/// Filters of the instruction queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub dispositif: Option<String>,
    pub state: Option<CandidatureState>,
    /// `Some("")` selects the unassigned ones.
    pub assignee: Option<String>,
    /// Only candidatures with a complement unanswered since before this date (LIF-06).
    pub delayed_before: Option<Date>,
    /// Only candidatures with at least one open complement request.
    pub with_open_complements: bool,
    /// Text search on the title, the id and the editor's name.
    pub q: Option<String>,
    /// DEP-02 risk of missing D2, as last computed (`candidature_risks`).
    pub risk: Option<Risk>,
}

impl QueueFilter {
    /// True when nothing but the risk is filtered (the risk facet's shortcut).
    fn is_empty_but_risk(&self) -> bool {
        let QueueFilter {
            dispositif,
            state,
            assignee,
            delayed_before,
            with_open_complements,
            q,
            risk: _,
        } = self;
        dispositif.is_none()
            && state.is_none()
            && assignee.is_none()
            && delayed_before.is_none()
            && !with_open_complements
            && q.as_deref().is_none_or(|q| q.trim().is_empty())
    }
}

/// Sort order of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Earliest complement answer due first, then the others by id [default].
    #[default]
    Deadline,
    Editor,
    Dispositif,
    State,
    /// Most items awaiting review first.
    ToReview,
}

impl QueueSort {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "deadline" => Self::Deadline,
            "editor" => Self::Editor,
            "dispositif" => Self::Dispositif,
            "state" => Self::State,
            "to_review" => Self::ToReview,
            _ => return None,
        })
    }

    /// The page's order, on columns that an index delivers in that order (migration 20), so
    /// that a page is read from the index and cut, never sorted as a whole.
    fn order_by(self) -> &'static str {
        match self {
            Self::Deadline => "s.deadline_key, s.candidature_id",
            Self::Editor => "o.name, c.id",
            Self::Dispositif => "c.dispositif, c.id",
            Self::State => "c.state, c.id",
            Self::ToReview => "s.to_review DESC, s.candidature_id",
        }
    }

    /// The same order as an expression no index delivers: for a page of few matches, which
    /// the planner then finds through the filters' indexes and sorts (a walk along the order's
    /// index would read every candidature to find them).
    fn order_by_sorting(self) -> &'static str {
        match self {
            Self::Deadline => "s.deadline_key || '', s.candidature_id",
            Self::Editor => "o.name || '', c.id",
            Self::Dispositif => "c.dispositif || '', c.id",
            Self::State => "c.state || '', c.id",
            Self::ToReview => "s.to_review + 0 DESC, s.candidature_id",
        }
    }

    /// The page's tables with the one its order's index is on first (`CROSS JOIN` keeps that
    /// order in SQLite; PostgreSQL plans it as the inner join it is), and the join condition
    /// that goes into the WHERE clause.
    fn driving_from(self) -> (&'static str, &'static str) {
        match self {
            Self::Deadline | Self::ToReview => (
                "FROM queue_stats s CROSS JOIN candidatures c \
                 JOIN organisations o ON o.id = c.organisation_id",
                " AND c.id = s.candidature_id",
            ),
            Self::Editor => (
                "FROM organisations o CROSS JOIN candidatures c \
                 JOIN queue_stats s ON s.candidature_id = c.id",
                " AND c.organisation_id = o.id",
            ),
            Self::Dispositif | Self::State => (
                "FROM candidatures c CROSS JOIN queue_stats s \
                 JOIN organisations o ON o.id = c.organisation_id",
                " AND s.candidature_id = c.id",
            ),
        }
    }
}

/// Above this many matches a page walks its order's index; at or below, it sorts them.
const WALK_ABOVE: i64 = 1000;

/// One row of the instruction queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueRow {
    pub candidature_id: String,
    pub organisation_id: String,
    pub editor_name: String,
    pub title: String,
    pub dispositif: String,
    pub state: CandidatureState,
    pub assignee_user_id: Option<String>,
    pub assignee_name: Option<String>,
    /// Items deposited and awaiting a decision.
    pub to_review: i64,
    pub validated: i64,
    pub open_complements: i64,
    /// Earliest answer due of the open complement requests.
    pub next_due: Option<Date>,
    /// Earliest request date of the open complement requests (LIF-06 counts from it).
    pub oldest_request: Option<Date>,
    /// DEP-02 risk as last computed; `None` before the first computation.
    pub risk: Option<Risk>,
}

/// Counts of the queue by state and by dispositif (under the same filters but those two).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct QueueCounts {
    pub total: i64,
    pub by_state: Vec<(String, i64)>,
    pub by_dispositif: Vec<(String, i64)>,
    /// By DEP-02 risk (risk filter ignored); candidatures not yet classified are left out.
    pub by_risk: Vec<(String, i64)>,
    pub delayed: i64,
}

/// The tables of a queue page of few matches. Filters never need them: they are written on
/// `c` alone (with sub-queries on indexed columns), so that counts read `candidatures` alone.
const QUEUE_PAGE_FROM: &str = "FROM candidatures c JOIN queue_stats s ON s.candidature_id = c.id \
     JOIN organisations o ON o.id = c.organisation_id";

/// The optional columns of a queue row, joined after the page's tables.
const QUEUE_PAGE_DETAILS: &str = " LEFT JOIN instruction_assignments a ON a.candidature_id = c.id \
     LEFT JOIN users u ON u.id = a.assignee_user_id \
     LEFT JOIN candidature_risks k ON k.candidature_id = c.id";

/// The facet a count ignores the filter of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    None,
    State,
    Dispositif,
    Risk,
}

struct Where {
    sql: String,
    binds: Vec<String>,
}

impl Where {
    fn new() -> Self {
        Self {
            sql: String::from(" WHERE 1 = 1"),
            binds: Vec::new(),
        }
    }

    fn push(&mut self, clause: &str, value: String) {
        self.binds.push(value);
        let n = self.binds.len();
        self.sql
            .push_str(&format!(" AND {}", clause.replace("$?", &format!("${n}"))));
    }
}

/// The filters as a WHERE clause on `c`; `stats_joined` when the page's `queue_stats s` is in
/// the FROM (its counters are then read on the row instead of through a sub-query).
fn queue_where(f: &QueueFilter, skip: Facet, stats_joined: bool) -> Where {
    let skip_state = skip == Facet::State;
    let skip_dispositif = skip == Facet::Dispositif;
    let mut w = Where::new();
    // Drafts are the editor's business until the administrative dossier is filed.
    w.sql.push_str(" AND c.state <> 'draft'");
    if let (Some(d), false) = (&f.dispositif, skip_dispositif) {
        w.push("c.dispositif = $?", d.clone());
    }
    if let (Some(s), false) = (f.state, skip_state) {
        w.push("c.state = $?", s.as_str().to_owned());
    }
    match f.assignee.as_deref() {
        // NOT EXISTS rather than NOT IN: PostgreSQL plans it as an anti-join that a walk along
        // the page's order can stop early in (NOT IN is a hashed sub-plan it then sorts).
        Some("") => w.sql.push_str(
            " AND NOT EXISTS (SELECT 1 FROM instruction_assignments a0 WHERE a0.candidature_id = c.id)",
        ),
        Some(u) => w.push(
            "c.id IN (SELECT candidature_id FROM instruction_assignments WHERE assignee_user_id = $?)",
            u.to_owned(),
        ),
        None => {}
    }
    if let Some(d) = f.delayed_before {
        // The oldest open request is older than the date (LIF-06), from the counters.
        w.push(
            if stats_joined {
                "s.oldest_request < $?"
            } else {
                "c.id IN (SELECT candidature_id FROM queue_stats WHERE oldest_request < $?)"
            },
            d.to_string(),
        );
    }
    if let (Some(r), false) = (f.risk, skip == Facet::Risk) {
        w.push(
            "c.id IN (SELECT candidature_id FROM candidature_risks WHERE risk = $?)",
            r.as_str().to_owned(),
        );
    }
    if f.with_open_complements {
        w.sql.push_str(if stats_joined {
            " AND s.open_complements > 0"
        } else {
            " AND c.id IN (SELECT candidature_id FROM queue_stats WHERE open_complements > 0)"
        });
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let n = w.binds.len();
        w.binds.extend([pattern.clone(), pattern.clone(), pattern]);
        w.sql.push_str(&format!(
            " AND (LOWER(c.title) LIKE ${} ESCAPE '\\' OR LOWER(c.id) LIKE ${} ESCAPE '\\' \
             OR c.organisation_id IN (SELECT id FROM organisations WHERE LOWER(name) LIKE ${} ESCAPE '\\'))",
            n + 1,
            n + 2,
            n + 3
        ));
    }
    w
}

impl SystemStore {
    /// The instruction queue (ANS): candidatures of every editor past the draft, filtered,
    /// sorted and paged, each with its review counters. The counters are precomputed
    /// (`queue_stats`, kept in the transaction of every deposit and review) and every sort
    /// follows an index, so a page reads its 50 rows, not the 50,000 candidatures
    /// (docs/benchmarks.md).
    pub async fn instruction_queue(
        &self,
        filter: &QueueFilter,
        sort: QueueSort,
        page: Page,
    ) -> Result<Paged<QueueRow>, StoreError> {
        self.instruction_queue_walking_above(filter, sort, page, WALK_ABOVE)
            .await
    }

    /// [`Self::instruction_queue`] with the threshold between its two plans given: the tests
    /// run both plans on the same data (0 always walks the order's index, `i64::MAX` always
    /// sorts the matches) and compare them.
    #[doc(hidden)]
    pub async fn instruction_queue_walking_above(
        &self,
        filter: &QueueFilter,
        sort: QueueSort,
        page: Page,
        walk_above: i64,
    ) -> Result<Paged<QueueRow>, StoreError> {
        let page = page.clamped();
        let store = self.store();
        // A text search reads every candidature's title whatever the plan: its page is found
        // and counted in one pass (a window count over the sorted matches) instead of two.
        let searching = filter.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        let known_total = if searching && walk_above > 0 {
            None
        } else {
            let total = self.queue_total(filter).await?;
            if total == 0 || page.offset >= total {
                return Ok(Paged {
                    items: Vec::new(),
                    total,
                    limit: page.limit,
                    offset: page.offset,
                });
            }
            Some(total)
        };
        let w = queue_where(filter, Facet::None, true);
        let n = w.binds.len();
        // The count tells how selective the filters are: many matches, walk the order's
        // index and stop at the page; few, find them through the filters and sort them.
        let (from, join, order) = match known_total {
            Some(total) if total > walk_above => {
                let (from, join) = sort.driving_from();
                (from, join, sort.order_by())
            }
            _ => (QUEUE_PAGE_FROM, "", sort.order_by_sorting()),
        };
        let window = if known_total.is_none() {
            ", COUNT(*) OVER () AS matches"
        } else {
            ""
        };
        let sql = format!(
            "SELECT c.id, c.organisation_id, o.name AS editor_name, c.title, c.dispositif, c.state, \
             a.assignee_user_id, u.display_name AS assignee_name, k.risk, s.to_review, s.validated, \
             s.open_complements, s.next_due, s.oldest_request{window} \
             {from}{QUEUE_PAGE_DETAILS}{}{join} ORDER BY {order} LIMIT ${} OFFSET ${}",
            w.sql,
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &w.binds {
            q = q.bind(b);
        }
        store.tick();
        let rows = q
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(store.pool())
            .await?;
        let total = match (known_total, rows.first()) {
            (Some(total), _) => total,
            (None, Some(first)) => first.try_get("matches")?,
            (None, None) if page.offset == 0 => 0,
            // Past the last match: the window had no row to say how many there are.
            (None, None) => self.queue_total(filter).await?,
        };
        let items = rows
            .iter()
            .map(|r| {
                Ok(QueueRow {
                    candidature_id: r.try_get("id")?,
                    organisation_id: r.try_get("organisation_id")?,
                    editor_name: r.try_get("editor_name")?,
                    title: r.try_get("title")?,
                    dispositif: r.try_get("dispositif")?,
                    state: stored(CandidatureState::parse(&r.try_get::<String, _>("state")?))?,
                    assignee_user_id: r.try_get("assignee_user_id")?,
                    assignee_name: r.try_get("assignee_name")?,
                    to_review: r.try_get("to_review")?,
                    validated: r.try_get("validated")?,
                    open_complements: r.try_get("open_complements")?,
                    next_due: opt_date(r.try_get("next_due")?)?,
                    oldest_request: opt_date(r.try_get("oldest_request")?)?,
                    risk: r
                        .try_get::<Option<String>, _>("risk")?
                        .map(|k| stored(Risk::parse(&k)))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// How many candidatures the filters select (on `candidatures` and its indexes).
    async fn queue_total(&self, filter: &QueueFilter) -> Result<i64, StoreError> {
        let w = queue_where(filter, Facet::None, false);
        let store = self.store();
        store.tick();
        let count_sql = format!("SELECT COUNT(*) AS n FROM candidatures c{}", w.sql);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(count_sql));
        for b in &w.binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(store.pool()).await?.try_get("n")?)
    }

    /// Counts for the queue's filter facets: by state (ignoring the state filter), by
    /// dispositif (ignoring the dispositif filter), by risk (ignoring the risk filter), and the
    /// LIF-06 delayed ones. Each is one grouped query on `candidatures` and its indexes; the
    /// total is read off the state facet.
    pub async fn instruction_counts(
        &self,
        filter: &QueueFilter,
        delayed_before: Date,
    ) -> Result<QueueCounts, StoreError> {
        let store = self.store();
        let mut out = QueueCounts::default();
        for (facet, column, from) in [
            (Facet::State, "c.state", "candidatures c"),
            (Facet::Dispositif, "c.dispositif", "candidatures c"),
            // Not yet classified: no risk facet for them (the join leaves them out). The
            // candidatures the filters select first, then their risk (not every risk, then
            // its candidature).
            (
                Facet::Risk,
                "k.risk",
                "candidatures c CROSS JOIN candidature_risks k",
            ),
        ] {
            let mut w = queue_where(filter, facet, false);
            if facet == Facet::Risk {
                w.sql.push_str(" AND k.candidature_id = c.id");
            }
            // Without other filters the risk facet counts `candidature_risks` alone: it holds
            // no draft (`replace_candidature_risks` leaves them out, and no candidature goes
            // back to draft), so it is exactly the queue's candidatures that have a risk.
            let sql = if facet == Facet::Risk && filter.is_empty_but_risk() {
                String::from(
                    "SELECT k.risk AS k, COUNT(*) AS n FROM candidature_risks k GROUP BY k.risk ORDER BY k.risk",
                )
            } else {
                format!(
                    "SELECT {column} AS k, COUNT(*) AS n FROM {from}{} GROUP BY {column} ORDER BY {column}",
                    w.sql
                )
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &w.binds {
                q = q.bind(b);
            }
            store.tick();
            let rows = q.fetch_all(store.pool()).await?;
            let pairs = rows
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("k")?, r.try_get::<i64, _>("n")?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            match facet {
                Facet::State => out.by_state = pairs,
                Facet::Dispositif => out.by_dispositif = pairs,
                _ => out.by_risk = pairs,
            }
        }
        // The state facet ignores the state filter only: the total is its sum, or its entry.
        out.total = match filter.state {
            None => out.by_state.iter().map(|(_, n)| n).sum(),
            Some(state) => out
                .by_state
                .iter()
                .find(|(k, _)| k == state.as_str())
                .map_or(0, |(_, n)| *n),
        };
        let mut filter_delayed = filter.clone();
        filter_delayed.delayed_before = Some(delayed_before);
        let wd = queue_where(&filter_delayed, Facet::None, false);
        let sql = format!("SELECT COUNT(*) AS n FROM candidatures c{}", wd.sql);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &wd.binds {
            q = q.bind(b);
        }
        store.tick();
        out.delayed = q.fetch_one(store.pool()).await?.try_get("n")?;
        Ok(out)
    }

    /// Replaces the DEP-02 risk of every candidature (the queue's risk filter and facet read
    /// them), in one transaction; candidatures not listed lose theirs.
    pub async fn replace_candidature_risks(
        &self,
        risks: &[(String, Risk)],
        computed_on: Date,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("DELETE FROM candidature_risks")
            .execute(&mut *conn)
            .await?;
        let day = computed_on.to_string();
        // Rows in chunks: one statement per 300 candidatures, not one per candidature.
        for chunk in risks.chunks(300) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO candidature_risks (candidature_id, risk, computed_on) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, risk) in chunk {
                q = q.bind(id).bind(risk.as_str()).bind(&day);
            }
            store.tick();
            q.execute(&mut *conn).await?;
        }
        // The queue never shows drafts: their risks are not kept (the risk facet counts this
        // table alone).
        store.tick();
        sqlx::query(
            "DELETE FROM candidature_risks WHERE candidature_id IN \
             (SELECT id FROM candidatures WHERE state = 'draft')",
        )
        .execute(&mut *conn)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Assigns candidatures to an ANS agent (batch), or unassigns them (`None`). The assignee
    /// must be a user of an ANS organisation. One transaction, one audit event.
    pub async fn assign_candidatures(
        &self,
        candidature_ids: &[String],
        assignee_user_id: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<u64, StoreError> {
        if candidature_ids.is_empty() {
            return Err(StoreError::invalid("aucune candidature sélectionnée"));
        }
        if candidature_ids.len() > 500 {
            return Err(StoreError::invalid(
                "500 candidatures au plus par affectation",
            ));
        }
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut assignee_name = None;
        if let Some(u) = assignee_user_id {
            store.tick();
            let row = sqlx::query(
                "SELECT u.display_name FROM users u JOIN organisations o ON o.id = u.organisation_id \
                 WHERE u.id = $1 AND o.kind = 'ans'",
            )
            .bind(u)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::invalid("l'agent désigné n'est pas un compte de l'ANS"))?;
            assignee_name = Some(row.try_get::<String, _>("display_name")?);
        }
        let now = now_rfc3339();
        let mut changed = 0;
        for id in candidature_ids {
            store.tick();
            let org: Option<String> =
                sqlx::query("SELECT organisation_id FROM candidatures WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get("organisation_id"))
                    .transpose()?;
            let Some(org) = org else {
                return Err(StoreError::invalid(format!("candidature {id} inconnue")));
            };
            store.tick();
            let r = match assignee_user_id {
                Some(u) => {
                    sqlx::query(
                        "INSERT INTO instruction_assignments (candidature_id, organisation_id, assignee_user_id, assigned_by, assigned_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (candidature_id) DO UPDATE SET \
                         assignee_user_id = excluded.assignee_user_id, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
                    )
                    .bind(id)
                    .bind(&org)
                    .bind(u)
                    .bind(&audit.actor_user_id)
                    .bind(&now)
                    .execute(&mut *conn)
                    .await?
                }
                None => {
                    sqlx::query("DELETE FROM instruction_assignments WHERE candidature_id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?
                }
            };
            changed += r.rows_affected();
        }
        let mut entry = audit.clone();
        entry.action = "instruction.assign".into();
        entry.object = format!(
            "{} candidature(s) → {} : {}",
            candidature_ids.len(),
            assignee_name.as_deref().unwrap_or("personne"),
            candidature_ids.join(", ")
        );
        audit::append(store, conn, &entry).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The attestation of a verification code (the public register's check).
    pub async fn attestation_by_code(
        &self,
        code: &VerificationCode,
    ) -> Result<Option<AttestationRecord>, StoreError> {
        self.store().tick();
        let row = sqlx::query("SELECT * FROM attestations WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(self.store().pool())
            .await?;
        row.as_ref().map(attestation_from_row).transpose()
    }

    /// The attestation whose PDF has this SHA-256 (an uploaded copy, byte for byte).
    pub async fn attestation_by_pdf(
        &self,
        sha256: &str,
    ) -> Result<Option<AttestationRecord>, StoreError> {
        self.store().tick();
        let row = sqlx::query("SELECT * FROM attestations WHERE pdf_sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.store().pool())
            .await?;
        row.as_ref().map(attestation_from_row).transpose()
    }

    /// Withdraws a referencing with a motivation (ANS référent): the referencing becomes
    /// "withdrawn" in the register, its attestation no longer verifies as valid, and every
    /// candidature that declared it as root NRU and is not final loses its équivalence (EQV-13:
    /// the rules engine then requires its equivalent items again) and is told through an
    /// `equivalence.lost` event. One transaction. Returns the ids of those candidatures.
    pub async fn withdraw_referencing(
        &self,
        nru: &Nru,
        motivation: &Motivation,
        today: Date,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let row = sqlx::query("SELECT organisation_id, data FROM referencings WHERE nru = $1")
            .bind(nru.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let holder: String = row.try_get("organisation_id")?;
        let mut referencing: Referencing = from_json(&row.try_get::<String, _>("data")?)?;
        if referencing.status == ReferencingStatus::Withdrawn {
            return Err(StoreError::Conflict(format!(
                "le référencement {nru} est déjà retiré"
            )));
        }
        referencing.status = ReferencingStatus::Withdrawn;
        store.tick();
        sqlx::query("UPDATE referencings SET status = 'withdrawn', data = $1 WHERE nru = $2")
            .bind(json(&referencing)?)
            .bind(nru.as_str())
            .execute(&mut *conn)
            .await?;
        let now = now_rfc3339();
        store.tick();
        sqlx::query(
            "UPDATE attestations SET withdrawn_at = $1, withdrawal_motivation = $2 WHERE nru = $3",
        )
        .bind(&now)
        .bind(motivation.as_str())
        .bind(nru.as_str())
        .execute(&mut *conn)
        .await?;
        store.tick();
        let holder_candidature: Option<String> =
            sqlx::query("SELECT candidature_id FROM attestations WHERE nru = $1")
                .bind(nru.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get("candidature_id"))
                .transpose()?;
        if let Some(cid) = &holder_candidature {
            store.tick();
            sqlx::query(
                "INSERT INTO candidature_decisions (id, organisation_id, candidature_id, kind, motivation, nru, \
                 author_user_id, decided_on, created_at) VALUES ($1, $2, $3, 'withdrawn', $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(&holder)
            .bind(cid)
            .bind(motivation.as_str())
            .bind(nru.as_str())
            .bind(&audit.actor_user_id)
            .bind(today.to_string())
            .bind(&now)
            .execute(&mut *conn)
            .await?;
        }
        let mut entry = audit.clone();
        entry.organisation_id = Some(holder.clone());
        entry.action = "referencing.withdraw".into();
        entry.object = format!(
            "référencement {nru} retiré ; motivation : {}",
            motivation.as_str()
        );
        let mut event =
            DomainEvent::new(EventKind::ReferencingWithdrawn, &holder).detail(motivation.as_str());
        if let Some(cid) = &holder_candidature {
            event = event.candidature(cid);
        }
        event.nru = Some(nru.as_str().to_owned());
        audit::append_with_event(store, conn, &entry, &event).await?;

        // EQV-13: the candidatures that declared this NRU as root. The JSON is pre-filtered
        // on the NRU text, then decoded and checked exactly by the domain.
        store.tick();
        let rows = sqlx::query(
            "SELECT id, organisation_id, data FROM candidatures WHERE data LIKE $1 ESCAPE '\\'",
        )
        .bind(format!("%{}%", escape_like(nru.as_str())))
        .fetch_all(&mut *conn)
        .await?;
        let mut decoded = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let org: String = r.try_get("organisation_id")?;
            let c: WorldCandidature = from_json(&r.try_get::<String, _>("data")?)?;
            decoded.push((id, org, c));
        }
        let losing: Vec<String> = losing_equivalence(
            decoded
                .iter()
                .map(|(id, _, c)| (id.as_str(), &c.candidature)),
            nru,
        )
        .into_iter()
        .map(str::to_owned)
        .collect();
        for id in &losing {
            let Some((_, org, _)) = decoded.iter().find(|(i, _, _)| i == id) else {
                continue;
            };
            let mut entry = audit.clone();
            entry.organisation_id = Some(org.clone());
            entry.action = "candidature.equivalence_lost".into();
            entry.object = format!(
                "candidature {id} : référencement racine {nru} retiré, les preuves équivalentes sont à déposer (EQV-13)"
            );
            let mut event = DomainEvent::new(EventKind::EquivalenceLost, org)
                .candidature(id)
                .detail(format!(
                    "Le référencement racine {nru} a été retiré : les preuves équivalentes sont de nouveau à déposer (EQV-13)."
                ));
            event.nru = Some(nru.as_str().to_owned());
            audit::append_with_event(store, conn, &entry, &event).await?;
        }
        tx.commit().await?;
        Ok(losing)
    }
}

/// The attachment columns of a message row (`LEFT JOIN proof_files f`); `None` without one.
fn attachment_from_row(r: &AnyRow) -> Result<Option<MessageAttachment>, StoreError> {
    let (Some(id), Some(name)) = (
        r.try_get::<Option<String>, _>("file_id")?,
        r.try_get::<Option<String>, _>("file_name")?,
    ) else {
        return Ok(None);
    };
    let state: String = r
        .try_get::<Option<String>, _>("file_scan_state")?
        .unwrap_or_default();
    Ok(Some(MessageAttachment {
        id,
        name,
        size: r.try_get::<Option<i64>, _>("file_size")?.unwrap_or(0),
        sha256: r
            .try_get::<Option<String>, _>("file_sha256")?
            .unwrap_or_default(),
        media_type: r
            .try_get::<Option<String>, _>("file_media_type")?
            .unwrap_or_default(),
        scan_state: ScanState::parse(&state).ok_or_else(|| {
            StoreError::Other(format!("état d'analyse enregistré illisible : {state}"))
        })?,
    }))
}
