//! The instruction workflow shared by the JSON API and the pages: decisions on proof items with
//! the calendar rules (LIF-06, LIF-07), the editor's answers, the thread, the candidature's
//! clocks, and the référent's decisions (LIF-08 referral with NRU and attestation, refusal,
//! withdrawal with EQV-13).
//!
//! Handlers reach here only with a `TenantStore` handed out by `access.rs`; the rules are the
//! domain's (`segur_domain::instruction`, `segur_domain::decision`), this module only gathers
//! what they need (calendars, plan, settings, today) and calls the store.

use jiff::civil::Date;
use rand::Rng;
use segur_domain::candidature::{CandidatureEvent, CandidatureState};
use segur_domain::catalogue::ProofItemKey;
use segur_domain::decision::{Blocker, Motivation, VerificationCode, blockers};
use segur_domain::instruction::{
    Clock, ItemDecision, check_complement_request, clocks, default_complement_due, is_delayed,
};
use segur_domain::org::OrganisationKind;
use segur_store::{
    AttestationRecord, AuditEntry, CandidatureDecisionRecord, FileFacts, MessageRecord,
    NewAttachment, OpenComplement, ReferralInput, ReviewRecord, Side, TenantStore, UserRecord,
};
use sha2::Digest;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Everything both sides see about a candidature's instruction.
#[derive(Debug, Clone)]
pub struct InstructionOverview {
    pub candidature_id: String,
    pub state: CandidatureState,
    pub dispositif: String,
    pub today: Date,
    pub clocks: Vec<Clock>,
    pub open_complements: Vec<OpenComplement>,
    /// LIF-06: a complement is unanswered for more than the allowed delay.
    pub delayed: bool,
    pub delay_days: u32,
    pub reviews: Vec<ReviewRecord>,
    pub messages: Vec<MessageRecord>,
    pub decisions: Vec<CandidatureDecisionRecord>,
    pub attestation: Option<AttestationRecord>,
    /// Items that stop the referral (LIF-08); empty when it can be referred.
    pub blockers: Vec<Blocker>,
    /// The answer due date a complement request opened today gets by default (LIF-06, D3).
    pub default_complement_due: Date,
    /// The candidature and its proof plan on `today`, for callers that show more of them.
    pub candidature: segur_domain::world::WorldCandidature,
    pub plan: segur_domain::rules::ProofPlan,
}

/// The candidature as its world slice holds it, and its proof plan on `today`: one load of
/// the world for both.
async fn candidature_and_plan(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    today: Date,
) -> Result<
    (
        segur_domain::world::WorldCandidature,
        segur_domain::rules::ProofPlan,
    ),
    ApiError,
> {
    let world = tenant.world_for_candidature(id).await?;
    let plan = segur_domain::rules::plan(&world, id, today, state.settings())
        .map_err(|e| ApiError::new(ErrorCode::Conflict, e.to_string()))?;
    let c = world
        .candidatures
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found("candidature"))?;
    Ok((c, plan))
}

fn parse_motivation(text: &str, field: &str) -> Result<Motivation, ApiError> {
    Motivation::parse(text).map_err(|e| ApiError::invalid(field, e.reason))
}

/// The side a user writes from.
pub fn side_of(user: &UserRecord) -> Side {
    if user.organisation_kind == OrganisationKind::Ans {
        Side::Ans
    } else {
        Side::Editor
    }
}

/// Gathers the overview of candidature `id` (already authorised: `tenant` owns it).
pub async fn overview(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
) -> Result<InstructionOverview, ApiError> {
    let today = state.today();
    let (c, plan) = candidature_and_plan(state, tenant, id, today).await?;
    let dispositif = c.candidature.dispositif.clone();
    let calendars = state
        .store()
        .system()
        .calendar_history(dispositif.as_str())
        .await?;
    let open = tenant.open_complements(id).await?;
    let rules = state.settings().get(&dispositif);
    let delay_days = rules.lif06_unanswered_days;
    let delayed = open
        .iter()
        .any(|o| is_delayed(o.requested_on, today, delay_days));
    let next_due = open.iter().filter_map(|o| o.due_on).min();
    Ok(InstructionOverview {
        candidature_id: id.to_owned(),
        state: c.candidature.state,
        dispositif: dispositif.as_str().to_owned(),
        today,
        clocks: clocks(&calendars, today, next_due),
        open_complements: open,
        delayed,
        delay_days,
        reviews: tenant.list_reviews(id).await?,
        messages: tenant.list_messages(id).await?,
        decisions: tenant.list_decisions(id).await?,
        attestation: tenant.attestation(id).await?,
        blockers: blockers(&plan),
        default_complement_due: default_complement_due(&calendars, today, delay_days),
        candidature: c,
        plan,
    })
}

/// An instructeur's decision on one item. A complement request gets an answer due date
/// (given, or today plus the LIF-06 delay, never after D3) checked against LIF-07.
#[allow(clippy::too_many_arguments)]
pub async fn decide_item(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    key: &ProofItemKey,
    decision: ItemDecision,
    motivation: &str,
    due_on: Option<Date>,
    audit: &AuditEntry,
) -> Result<ReviewRecord, ApiError> {
    let motivation = parse_motivation(motivation, "motivation")?;
    let today = state.today();
    let due_on = if decision == ItemDecision::RequestComplement {
        let c = tenant.get_candidature(id).await?;
        let dispositif = c.candidature.dispositif;
        let calendars = state
            .store()
            .system()
            .calendar_history(dispositif.as_str())
            .await?;
        let delay = state.settings().get(&dispositif).lif06_unanswered_days;
        let due = due_on.unwrap_or_else(|| default_complement_due(&calendars, today, delay));
        check_complement_request(&calendars, today, due).map_err(|e| {
            ApiError::new(ErrorCode::RulesFailed, e.reason.clone()).with_field(e.field)
        })?;
        Some(due)
    } else {
        None
    };
    Ok(tenant
        .decide_item(id, key, decision, &motivation, due_on, today, audit)
        .await?)
}

/// The editor's answer to a request on one item.
pub async fn answer_item(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    key: &ProofItemKey,
    message: &str,
    audit: &AuditEntry,
) -> Result<ReviewRecord, ApiError> {
    let message = parse_motivation(message, "message")?;
    Ok(tenant
        .answer_item(id, key, &message, state.today(), audit)
        .await?)
}

/// A message of the thread, from the caller's side.
pub async fn post_message(
    tenant: &TenantStore,
    user: &UserRecord,
    id: &str,
    body: &str,
    file_id: Option<&str>,
    audit: &AuditEntry,
) -> Result<MessageRecord, ApiError> {
    let body = parse_motivation(body, "body")?;
    let file_id = file_id.map(str::trim).filter(|f| !f.is_empty());
    Ok(tenant
        .post_message(id, side_of(user), &body, file_id, audit)
        .await?)
}

/// Who may trigger which transition: the editor files and declares; the ANS opens the
/// instruction. Referral and refusal are decisions (see [`refer`], [`refuse`]).
pub fn transition_side(event: CandidatureEvent) -> Option<Side> {
    use CandidatureEvent as E;
    match event {
        E::SubmitAdministrative
        | E::StartDeposits
        | E::DeclareComplete
        | E::Reopen
        | E::Abandon => Some(Side::Editor),
        E::CompleteEligibility | E::StartInstruction => Some(Side::Ans),
        E::RequestComplement | E::Refer | E::Refuse => None,
    }
}

/// Parses a transition name of the API and the forms.
pub fn parse_event(s: &str) -> Result<CandidatureEvent, ApiError> {
    use CandidatureEvent as E;
    Ok(match s {
        "submit_administrative" => E::SubmitAdministrative,
        "complete_eligibility" => E::CompleteEligibility,
        "start_deposits" => E::StartDeposits,
        "declare_complete" => E::DeclareComplete,
        "start_instruction" => E::StartInstruction,
        "reopen" => E::Reopen,
        "abandon" => E::Abandon,
        other => {
            return Err(ApiError::invalid(
                "event",
                format!(
                    "« {other} » : transition inconnue (submit_administrative, complete_eligibility, \
                     start_deposits, declare_complete, start_instruction, reopen, abandon)"
                ),
            ));
        }
    })
}

/// Applies a transition for the caller's side (the state machine decides whether it is
/// possible).
pub async fn transition(
    state: &AppState,
    tenant: &TenantStore,
    user: &UserRecord,
    id: &str,
    event: CandidatureEvent,
    audit: &AuditEntry,
) -> Result<CandidatureState, ApiError> {
    if transition_side(event) != Some(side_of(user)) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "cette transition n'est pas de votre ressort",
        ));
    }
    Ok(tenant
        .transition_candidature(id, event, state.today(), audit)
        .await?)
}

/// A fresh verification code (80 random bits).
fn new_code() -> VerificationCode {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    VerificationCode::from_bytes(bytes)
}

/// The référent refers the candidature (LIF-08): refused with the list of blocking items while
/// a required item is not validated; otherwise the NRU is issued with its attestation PDF.
pub async fn refer(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    note: Option<&str>,
    audit: &AuditEntry,
) -> Result<AttestationRecord, ApiError> {
    let today = state.today();
    let (c, plan) = candidature_and_plan(state, tenant, id, today).await?;
    if let Err(e) = segur_domain::decision::check_referral(c.candidature.state, &plan) {
        let details = match &e {
            segur_domain::decision::DecisionError::NotReady(b) => serde_json::json!({
                "rule": "LIF-08",
                "blockers": b.iter().map(|b| serde_json::json!({
                    "requirement": b.key.requirement.as_str(),
                    "scenario": b.key.scenario,
                    "proof": b.key.proof,
                    "chapter": b.chapter,
                    "status": b.deposit.map(|s| s.as_str()),
                    "rules": b.rules,
                })).collect::<Vec<_>>(),
            }),
            _ => serde_json::json!({ "rule": "LIF-08" }),
        };
        return Err(ApiError::new(ErrorCode::Conflict, e.to_string()).with_details(details));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        parse_motivation(n, "note")?;
    }
    let public_url = state
        .config()
        .public_url
        .clone()
        .unwrap_or_else(|| "http://localhost:8080".to_owned());
    let input = ReferralInput {
        template: &state.config().nru_template,
        today,
        code: new_code(),
        public_url: &public_url,
        note,
    };
    Ok(tenant
        .refer_candidature(id, &input, crate::attestation::render, audit)
        .await?)
}

/// The référent refuses the candidature, with a motivation.
pub async fn refuse(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    motivation: &str,
    audit: &AuditEntry,
) -> Result<CandidatureState, ApiError> {
    let motivation = parse_motivation(motivation, "motivation")?;
    Ok(tenant
        .refuse_candidature(id, &motivation, state.today(), audit)
        .await?)
}

/// Parses an optional `YYYY-MM-DD` date of a form or a body.
pub fn parse_optional_date(s: Option<&str>, field: &str) -> Result<Option<Date>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<Date>().map(Some).map_err(|_| {
            ApiError::invalid(
                field,
                format!("« {s} » : date attendue au format AAAA-MM-JJ"),
            )
        }),
    }
}

/// The ANS's instruction desk across editors: the queue and its assignments. Only
/// `access::instruction_desk` builds one, after the policy allowed `Instruct`.
pub struct InstructionDesk {
    pub(crate) system: segur_store::SystemStore,
}

impl InstructionDesk {
    pub async fn instruction_queue(
        &self,
        filter: &segur_store::QueueFilter,
        sort: segur_store::QueueSort,
        page: segur_store::Page,
    ) -> Result<segur_store::Paged<segur_store::QueueRow>, ApiError> {
        Ok(self.system.instruction_queue(filter, sort, page).await?)
    }

    pub async fn instruction_counts(
        &self,
        filter: &segur_store::QueueFilter,
        delayed_before: Date,
    ) -> Result<segur_store::QueueCounts, ApiError> {
        Ok(self
            .system
            .instruction_counts(filter, delayed_before)
            .await?)
    }

    pub async fn assign_candidatures(
        &self,
        ids: &[String],
        assignee: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<u64, ApiError> {
        Ok(self
            .system
            .assign_candidatures(ids, assignee, audit)
            .await?)
    }

    /// The ANS agents a candidature can be assigned to.
    pub async fn agents(&self) -> Result<Vec<UserRecord>, ApiError> {
        let users = self.system.list_users(segur_store::Page::max()).await?;
        Ok(users
            .items
            .into_iter()
            .filter(|u| u.organisation_kind == OrganisationKind::Ans)
            .collect())
    }
}

/// The référent's desk for decisions that cross editors (withdrawal, EQV-13). Only
/// `access::decision_desk` builds one, after the policy allowed `Decide`.
pub struct DecisionDesk {
    pub(crate) system: segur_store::SystemStore,
}

impl DecisionDesk {
    pub async fn withdraw_referencing(
        &self,
        nru: &segur_domain::referencing::Nru,
        motivation: &Motivation,
        today: Date,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, ApiError> {
        Ok(self
            .system
            .withdraw_referencing(nru, motivation, today, audit)
            .await?)
    }
}

/// Largest file the ANS may send with a message (received in the same request, held in
/// memory while it is checked).
pub const MAX_MESSAGE_FILE_BYTES: usize = 20 << 20;
/// Body limit of the routes that post a message: the file, the text and multipart framing.
pub const MAX_MESSAGE_REQUEST_BYTES: usize = MAX_MESSAGE_FILE_BYTES + (256 << 10);

/// True for the routes that post a message (their body limit is
/// [`MAX_MESSAGE_REQUEST_BYTES`] instead of the general one).
pub fn is_message_path(path: &str) -> bool {
    let (rest, tail) = if let Some(rest) = path.strip_prefix("/api/v1/candidatures/") {
        (rest, "messages")
    } else if let Some(rest) = path.strip_prefix("/candidatures/") {
        (rest, "instruction/message")
    } else {
        return false;
    };
    rest.split_once('/')
        .is_some_and(|(id, t)| !id.is_empty() && t == tail)
}

/// The parts of a message form sent as `multipart/form-data`.
#[derive(Debug, Default)]
pub struct MessageParts {
    pub body: String,
    pub file_id: Option<String>,
    /// A file sent with the message: (name, bytes). An empty file part without a name (a
    /// browser's form with no file chosen) counts as none.
    pub file: Option<(String, bytes::Bytes)>,
}

/// Reads the parts `body`, `file_id` and `file` of a message form.
pub async fn read_message_parts(
    mut multipart: axum::extract::Multipart,
) -> Result<MessageParts, ApiError> {
    let broken = |_| {
        ApiError::new(
            ErrorCode::InvalidBody,
            "corps multipart illisible, interrompu ou trop volumineux",
        )
    };
    let mut parts = MessageParts::default();
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        match field.name().unwrap_or_default() {
            "body" => parts.body = field.text().await.map_err(broken)?,
            "file_id" => {
                let v = field.text().await.map_err(broken)?;
                parts.file_id = Some(v).filter(|v| !v.trim().is_empty());
            }
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(broken)?;
                if !(name.is_empty() && bytes.is_empty()) {
                    parts.file = Some((name, bytes));
                }
            }
            other => {
                return Err(ApiError::invalid(
                    "multipart",
                    format!("partie « {other} » inconnue (attendu : body, file_id, file)"),
                ));
            }
        }
    }
    Ok(parts)
}

/// A message from the ANS with a file sent in the same request. The file goes through the
/// checks of proof files (sanitised name, size, type read from the content and matching the
/// extension, archives), is stored as a blob of the candidature's organisation and recorded
/// pending its antivirus scan, linked to the message only (it is no proof of any item). A
/// refused file leaves nothing behind: no message, no file row.
#[allow(clippy::too_many_arguments)]
pub async fn post_message_with_file(
    state: &AppState,
    tenant: &TenantStore,
    user: &UserRecord,
    id: &str,
    body: &str,
    file_name: &str,
    bytes: &[u8],
    audit: &AuditEntry,
) -> Result<MessageRecord, ApiError> {
    if side_of(user) != Side::Ans {
        return Err(ApiError::invalid(
            "file",
            "un éditeur joint un de ses fichiers de preuve déjà déposés (file_id) ; l'envoi d'un fichier avec le message est réservé à l'ANS",
        ));
    }
    let body = parse_motivation(body, "body")?;
    let name = segur_store::sanitize_file_name(file_name).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            "nom de fichier invalide : il ne reste rien une fois le chemin retiré",
        )
        .with_field("file")
    })?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            ErrorCode::FileEmpty,
            "fichier vide (0 octet) : rien à joindre",
        )
        .with_field("file"));
    }
    if bytes.len() > MAX_MESSAGE_FILE_BYTES {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!(
                "pièce jointe trop volumineuse : {} au plus",
                crate::api::files::size_label(MAX_MESSAGE_FILE_BYTES as u64)
            ),
        )
        .with_field("file")
        .with_details(serde_json::json!({ "max_bytes": MAX_MESSAGE_FILE_BYTES })));
    }
    let head = &bytes[..bytes.len().min(8192)];
    let media = crate::media::check(head, &name, crate::media::ProofKind::Other).map_err(|r| {
        let code = match r {
            crate::media::TypeRefusal::Mismatch { .. } => ErrorCode::FileTypeMismatch,
            _ => ErrorCode::FileTypeNotAllowed,
        };
        ApiError::new(code, r.message()).with_field("file")
    })?;
    let dir = state.upload_dir().to_path_buf();
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "i/o error while receiving a message attachment");
        ApiError::new(
            ErrorCode::Unavailable,
            "enregistrement de la pièce jointe momentanément impossible : réessayez",
        )
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    let path = dir.join(format!("attachment-{}.tmp", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&path, bytes).await.map_err(io)?;
    let result = async {
        if media.zip_container {
            let p = path.clone();
            tokio::task::spawn_blocking(move || crate::uploads::check_archive(&p))
                .await
                .map_err(|e| {
                    ApiError::new(ErrorCode::Internal, format!("contrôle interrompu : {e}"))
                })?
                .map_err(|m| ApiError::new(ErrorCode::ArchiveRefused, m).with_field("file"))?;
        }
        let sha256 = hex::encode(sha2::Sha256::digest(bytes));
        state
            .store()
            .blobs()
            .put_file(tenant.organisation_id(), &sha256, &path)
            .await?;
        let new = NewAttachment {
            file_name: name.clone(),
            facts: FileFacts {
                sha256,
                size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                media_type: media.mime.to_owned(),
            },
        };
        Ok::<_, ApiError>(
            tenant
                .post_message_with_upload(id, Side::Ans, &body, &new, audit)
                .await?,
        )
    }
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    let m = result?;
    state.uploads().scan_wakeup.notify_one();
    Ok(m)
}
