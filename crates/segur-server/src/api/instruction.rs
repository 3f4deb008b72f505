//! Instruction by the ANS and the editor's side of the conversation: decisions on proof items,
//! complement requests and answers, the thread, transitions, the référent's decisions, the
//! queue and its assignments, and the public check of an attestation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use segur_domain::authz::Action;
use segur_domain::candidature::CandidatureState;
use segur_domain::decision::{Motivation, VerificationCode};
use segur_domain::instruction::ItemDecision;
use segur_domain::org::OrganisationKind;
use segur_domain::referencing::Nru;
use segur_store::{
    AttestationRecord, MessageRecord, Page, QueueFilter, QueueRow, QueueSort, ReviewRecord,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::access::{candidature_tenant, instruction_desk};
use crate::api::files::item_key;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiQuery, ApiUser, RequestMeta};
use crate::instruction as flow;
use crate::state::AppState;

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// The owning tenant of candidature `id`, checked to exist before any body is read: another
/// editor's candidature is "not found" whatever the body says.
async fn existing(
    state: &AppState,
    user: &segur_store::UserRecord,
    id: &str,
    action: Action,
) -> Result<segur_store::TenantStore, ApiError> {
    let tenant = candidature_tenant(state, user, id, action).await?;
    tenant.candidature_summary(id).await?;
    Ok(tenant)
}

/// One decision or answer on a proof item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    /// `validated`, `rejected`, `complement_requested` or `answered`.
    pub kind: String,
    pub motivation: String,
    /// Answer due date of a complement request (YYYY-MM-DD).
    pub due_on: Option<String>,
    /// File version the decision was taken on.
    pub file_version: Option<i64>,
    /// `ans` or `editor`.
    pub author_side: String,
    pub author: Option<String>,
    pub created_at: String,
    pub answered_at: Option<String>,
}

impl From<&ReviewRecord> for ReviewView {
    fn from(r: &ReviewRecord) -> Self {
        Self {
            id: r.id.clone(),
            requirement: r.key.requirement.as_str().to_owned(),
            scenario: r.key.scenario,
            proof: r.key.proof,
            kind: r.kind.clone(),
            motivation: r.motivation.clone(),
            due_on: r.due_on.map(|d| d.to_string()),
            file_version: r.file_version,
            author_side: r.author_side.as_str().to_owned(),
            author: r.author_name.clone(),
            created_at: r.created_at.clone(),
            answered_at: r.answered_at.clone(),
        }
    }
}

/// A message of a candidature's thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub author_side: String,
    pub author: Option<String>,
    pub body: String,
    /// Attached file (download under `/api/v1/candidatures/{id}/files/{file}/content`, once
    /// its antivirus state is `clean`).
    pub file_id: Option<String>,
    pub file_name: Option<String>,
    /// The attached file's facts: a proof file of the editor, or a file sent by the ANS.
    pub attachment: Option<AttachmentView>,
    pub created_at: String,
}

/// A file attached to a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub media_type: String,
    /// `pending`, `clean`, `infected` or `scan_error`: downloadable only when `clean`.
    pub scan_state: String,
    /// Where to download it.
    pub content_url: String,
}

impl From<&MessageRecord> for MessageView {
    fn from(m: &MessageRecord) -> Self {
        Self {
            id: m.id.clone(),
            author_side: m.author_side.as_str().to_owned(),
            author: m.author_name.clone(),
            body: m.body.clone(),
            file_id: m.file_id.clone(),
            file_name: m.file_name.clone(),
            attachment: m.attachment.as_ref().map(|a| AttachmentView {
                id: a.id.clone(),
                name: a.name.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                media_type: a.media_type.clone(),
                scan_state: a.scan_state.as_str().to_owned(),
                content_url: format!(
                    "/api/v1/candidatures/{}/files/{}/content",
                    m.candidature_id, a.id
                ),
            }),
            created_at: m.created_at.clone(),
        }
    }
}

/// A deadline with the days left.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// `d2`, `d3` or `complement_due`.
    pub name: String,
    pub label: String,
    pub due_on: String,
    pub days_left: i64,
    pub rule: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenComplementView {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub requested_on: String,
    pub due_on: Option<String>,
    pub motivation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockerView {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub chapter: String,
    /// Deposit status, `null` when nothing was deposited.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// `referred`, `refused` or `withdrawn`.
    pub kind: String,
    pub motivation: String,
    pub nru: Option<String>,
    pub decided_on: String,
}

/// An attestation de référencement.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationView {
    pub nru: String,
    pub code: String,
    pub verification_url: String,
    pub editor: String,
    pub dispositif: String,
    pub rem_version: String,
    pub solution: String,
    pub profiles: Vec<String>,
    pub names: Vec<AttestedNameView>,
    pub referenced_on: String,
    pub pdf_sha256: String,
    /// Withdrawn referencing: the attestation is no longer valid.
    pub withdrawn_at: Option<String>,
    pub withdrawal_motivation: Option<String>,
    /// `/api/v1/candidatures/{id}/attestation.pdf` (signed-in owner, ANS) .
    pub pdf_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttestedNameView {
    pub name: String,
    pub nil: String,
    pub technical_version: String,
}

impl From<&AttestationRecord> for AttestationView {
    fn from(a: &AttestationRecord) -> Self {
        let c = &a.content;
        Self {
            nru: a.nru.as_str().to_owned(),
            code: a.code.as_str().to_owned(),
            verification_url: c.verification_url.clone(),
            editor: c.editor_name.clone(),
            dispositif: c.dispositif.as_str().to_owned(),
            rem_version: c.rem_version.clone(),
            solution: c.solution.clone(),
            profiles: c.profiles.iter().map(|p| p.as_str().to_owned()).collect(),
            names: c
                .names
                .iter()
                .map(|n| AttestedNameView {
                    name: n.name.clone(),
                    nil: n.nil.as_str().to_owned(),
                    technical_version: n.technical_version.clone(),
                })
                .collect(),
            referenced_on: c.referenced_on.to_string(),
            pdf_sha256: a.pdf_sha256.clone(),
            withdrawn_at: a.withdrawn_at.clone(),
            withdrawal_motivation: a.withdrawal_motivation.clone(),
            pdf_url: format!("/api/v1/candidatures/{}/attestation.pdf", a.candidature_id),
        }
    }
}

/// The instruction of a candidature as both sides see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionView {
    pub candidature: String,
    pub state: String,
    pub state_label: String,
    pub today: String,
    pub clocks: Vec<ClockView>,
    pub open_complements: Vec<OpenComplementView>,
    /// LIF-06: a complement request is unanswered for more than `delay_days`.
    pub delayed: bool,
    pub delay_days: u32,
    /// Items that stop the referral (LIF-08).
    pub blockers: Vec<BlockerView>,
    pub reviews: Vec<ReviewView>,
    pub messages: Vec<MessageView>,
    pub decisions: Vec<DecisionView>,
    pub attestation: Option<AttestationView>,
}

impl From<&flow::InstructionOverview> for InstructionView {
    fn from(o: &flow::InstructionOverview) -> Self {
        Self {
            candidature: o.candidature_id.clone(),
            state: o.state.as_str().to_owned(),
            state_label: o.state.label_fr().to_owned(),
            today: o.today.to_string(),
            clocks: o
                .clocks
                .iter()
                .map(|c| ClockView {
                    name: c.name.clone(),
                    label: c.label_fr.clone(),
                    due_on: c.due_on.to_string(),
                    days_left: c.days_left,
                    rule: c.rule.to_owned(),
                })
                .collect(),
            open_complements: o
                .open_complements
                .iter()
                .map(|c| OpenComplementView {
                    requirement: c.key.requirement.as_str().to_owned(),
                    scenario: c.key.scenario,
                    proof: c.key.proof,
                    requested_on: c.requested_on.to_string(),
                    due_on: c.due_on.map(|d| d.to_string()),
                    motivation: c.motivation.clone(),
                })
                .collect(),
            delayed: o.delayed,
            delay_days: o.delay_days,
            blockers: o
                .blockers
                .iter()
                .map(|b| BlockerView {
                    requirement: b.key.requirement.as_str().to_owned(),
                    scenario: b.key.scenario,
                    proof: b.key.proof,
                    chapter: b.chapter.clone(),
                    status: b.deposit.map(|s| s.as_str().to_owned()),
                })
                .collect(),
            reviews: o.reviews.iter().map(Into::into).collect(),
            messages: o.messages.iter().map(Into::into).collect(),
            decisions: o
                .decisions
                .iter()
                .map(|d| DecisionView {
                    kind: d.kind.clone(),
                    motivation: d.motivation.clone(),
                    nru: d.nru.clone(),
                    decided_on: d.decided_on.to_string(),
                })
                .collect(),
            attestation: o.attestation.as_ref().map(Into::into),
        }
    }
}

/// The instruction of a candidature: clocks (D2, D3, answers due), open complement requests,
/// LIF-06 delay, items blocking the referral, every decision and answer, the thread, the
/// decisions on the candidature and its attestation. Owner and ANS.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/instruction", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = InstructionView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_instruction(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InstructionView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let o = flow::overview(&state, &tenant, &id).await?;
    Ok(Json((&o).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    /// `validate`, `reject` or `request_complement`.
    pub decision: String,
    /// Required, at most 4000 characters; shown to the editor.
    pub motivation: String,
    /// Complement requests: answer due (YYYY-MM-DD) [default: today + 5 days, at most D3].
    pub due_on: Option<String>,
}

/// An instructeur's decision on one proof item, with its motivation. A complement request
/// cannot be opened after D3 (LIF-07, `rules_failed`); only deposited items whose files are
/// all clean can be decided (`conflict` otherwise).
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/reviews", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = ReviewBody,
    responses((status = 201, body = ReviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<ReviewBody>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    let tenant = existing(&state, &user, &id, Action::Instruct).await?;
    let Json(body) = body?;
    let key = item_key(&body.requirement, body.scenario, body.proof)?;
    let decision =
        ItemDecision::parse(&body.decision).map_err(|e| ApiError::invalid("decision", e.reason))?;
    let due_on = flow::parse_optional_date(body.due_on.as_deref(), "due_on")?;
    let audit = meta.audit(&user, "", "");
    let r = flow::decide_item(
        &state,
        &tenant,
        &id,
        &key,
        decision,
        &body.motivation,
        due_on,
        &audit,
    )
    .await?;
    Ok((StatusCode::CREATED, Json((&r).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    /// The answer, at most 4000 characters. Re-deposit files first (a new version).
    pub message: String,
}

/// The editor answers a complement request (or a rejection) on one item: the item goes back
/// to review, with its new version if files were re-deposited.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/answers", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = AnswerBody,
    responses((status = 201, body = ReviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_answer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<AnswerBody>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    if user.organisation_kind != OrganisationKind::Editor {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "seul l'éditeur répond aux demandes de l'ANS",
        ));
    }
    let tenant = existing(&state, &user, &id, Action::WriteEditorData).await?;
    let Json(body) = body?;
    let key = item_key(&body.requirement, body.scenario, body.proof)?;
    let audit = meta.audit(&user, "", "");
    let r = flow::answer_item(&state, &tenant, &id, &key, &body.message, &audit).await?;
    Ok((StatusCode::CREATED, Json((&r).into())))
}

/// The thread of a candidature, oldest first (owner and ANS).
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/messages", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = [MessageView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_messages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let list = tenant.list_messages(&id).await?;
    Ok(Json(list.iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    pub body: String,
    /// One of the organisation's clean proof files, attached.
    pub file_id: Option<String>,
}

fn message_action(user: &segur_store::UserRecord) -> Action {
    if user.organisation_kind == OrganisationKind::Ans {
        Action::Instruct
    } else {
        Action::WriteEditorData
    }
}

/// The multipart form of a message (documentation only: the handler reads the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MessageUpload {
    /// The message text.
    body: String,
    /// Editor: one of the organisation's clean proof files, attached.
    file_id: Option<String>,
    /// ANS: a file sent with the message (at most 20 MiB; same type checks as proof files;
    /// downloadable once the antivirus declared it clean).
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
}

/// Posts a message to the thread, from the editor or the ANS. JSON (`body`, `file_id`), or
/// `multipart/form-data` with the parts `body`, `file_id` and, for the ANS only, `file`: a
/// document sent with the message (at most 20 MiB), checked like a proof file (type read from
/// its content, `file_type_mismatch` / `file_type_not_allowed`), stored in the candidature's
/// organisation's file space and scanned by the antivirus; it is no proof of any item.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/messages", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body(content(
        (MessageBody = "application/json"),
        (MessageUpload = "multipart/form-data"),
    )),
    responses((status = 201, body = MessageView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    request: Request,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    // Authorization before the body is read: another editor gets 404 whatever it sends.
    let tenant = existing(&state, &user, &id, message_action(&user)).await?;
    let audit = meta.audit(&user, "", "");
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let m = if multipart {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    format!(
                        "corps multipart/form-data attendu (parties body, file_id, file) : {}",
                        e.body_text()
                    ),
                )
            })?;
        let parts = flow::read_message_parts(form).await?;
        match &parts.file {
            Some((name, bytes)) => {
                if parts.file_id.is_some() {
                    return Err(ApiError::invalid(
                        "file_id",
                        "un seul fichier par message : file_id ou file, pas les deux",
                    ));
                }
                flow::post_message_with_file(
                    &state,
                    &tenant,
                    &user,
                    &id,
                    &parts.body,
                    name,
                    bytes,
                    &audit,
                )
                .await?
            }
            None => {
                flow::post_message(
                    &tenant,
                    &user,
                    &id,
                    &parts.body,
                    parts.file_id.as_deref(),
                    &audit,
                )
                .await?
            }
        }
    } else {
        let body: JsonBody<MessageBody> = Json::from_request(request, &state).await;
        let Json(body) = body?;
        flow::post_message(
            &tenant,
            &user,
            &id,
            &body.body,
            body.file_id.as_deref(),
            &audit,
        )
        .await?
    };
    Ok((StatusCode::CREATED, Json((&m).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// Editor: `submit_administrative`, `start_deposits`, `declare_complete`, `reopen`,
    /// `abandon`; ANS: `complete_eligibility`, `start_instruction`.
    pub event: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateView {
    pub state: String,
    pub state_label: String,
}

/// Moves the candidature through the state machine, for the caller's side.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/transitions", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = TransitionBody,
    responses((status = 200, body = StateView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_transition(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<TransitionBody>,
) -> Result<Json<StateView>, ApiError> {
    let tenant = existing(&state, &user, &id, message_action(&user)).await?;
    let Json(body) = body?;
    let event = flow::parse_event(&body.event)?;
    let audit = meta.audit(&user, "", "");
    let next = flow::transition(&state, &tenant, &user, &id, event, &audit).await?;
    Ok(Json(state_view(next)))
}

fn state_view(s: CandidatureState) -> StateView {
    StateView {
        state: s.as_str().to_owned(),
        state_label: s.label_fr().to_owned(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralBody {
    /// An optional note of the référent, kept with the decision.
    pub note: Option<String>,
}

/// The référent refers the candidature (LIF-08): every required item must be validated
/// (`conflict` with the blocking items in `details.blockers` otherwise); issues the NRU and
/// the attestation PDF.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/referral", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = ReferralBody,
    responses((status = 201, body = AttestationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_referral(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<ReferralBody>,
) -> Result<(StatusCode, Json<AttestationView>), ApiError> {
    let tenant = existing(&state, &user, &id, Action::Decide).await?;
    let Json(body) = body?;
    let audit = meta.audit(&user, "", "");
    let a = flow::refer(&state, &tenant, &id, body.note.as_deref(), &audit).await?;
    Ok((StatusCode::CREATED, Json((&a).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotivationBody {
    pub motivation: String,
}

/// The référent refuses the candidature, with a motivation.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/refusal", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = MotivationBody,
    responses((status = 200, body = StateView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_refusal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<MotivationBody>,
) -> Result<Json<StateView>, ApiError> {
    let tenant = existing(&state, &user, &id, Action::Decide).await?;
    let Json(body) = body?;
    let audit = meta.audit(&user, "", "");
    let next = flow::refuse(&state, &tenant, &id, &body.motivation, &audit).await?;
    Ok(Json(state_view(next)))
}

/// The attestation PDF of a referred candidature (owner and ANS).
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/attestation.pdf", tag = "instruction", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_attestation_pdf(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let a = tenant
        .attestation(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("attestation"))?;
    pdf_response(&state, &a).await
}

/// The stored PDF of an attestation, as a download.
pub async fn pdf_response(state: &AppState, a: &AttestationRecord) -> Result<Response, ApiError> {
    let bytes = state
        .store()
        .blobs()
        .get(&a.organisation_id, &a.pdf_sha256)
        .await?;
    let name = format!("attestation-{}.pdf", a.nru.as_str());
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Withdraws a referencing (référent), with a motivation: the register shows it withdrawn, its
/// attestation no longer verifies, and candidatures using it as root NRU lose their
/// équivalence (EQV-13), listed in the answer.
#[utoipa::path(post, path = "/api/v1/referencings/{nru}/withdrawal", tag = "instruction", security(("session" = [])),
    params(("nru" = String, Path, description = "NRU")),
    request_body = MotivationBody,
    responses((status = 200, body = WithdrawalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_withdrawal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(nru): ApiPath<String>,
    body: JsonBody<MotivationBody>,
) -> Result<Json<WithdrawalView>, ApiError> {
    let desk = crate::access::decision_desk(&user, &state)?;
    let Json(body) = body?;
    let nru = Nru::parse(&nru).map_err(|e| ApiError::invalid("nru", e.reason))?;
    let motivation = Motivation::parse(&body.motivation)
        .map_err(|e| ApiError::invalid("motivation", e.reason))?;
    let audit = meta.audit(&user, "", "");
    let losing = desk
        .withdraw_referencing(&nru, &motivation, state.today(), &audit)
        .await?;
    Ok(Json(WithdrawalView {
        nru: nru.as_str().to_owned(),
        equivalence_lost: losing,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub nru: String,
    /// Candidatures that declared this NRU as root and lose their équivalence (EQV-13).
    pub equivalence_lost: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    pub dispositif: Option<String>,
    /// A candidature state (`in_instruction`, `complete`…).
    pub state: Option<String>,
    /// An ANS user id, or `none` for the unassigned ones, or `me`.
    pub assignee: Option<String>,
    /// Only those flagged "instruction delayed" (LIF-06).
    pub delayed: Option<bool>,
    /// Only those with an open complement request.
    pub open_complements: Option<bool>,
    /// Words of the title, id or editor.
    pub q: Option<String>,
    /// DEP-02 risk of missing D2: `eleve`, `modere` or `sans_risque` (as last computed, every
    /// 15 minutes).
    pub risk: Option<String>,
    /// `deadline` (default), `editor`, `dispositif`, `state`, `to_review`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Parsed queue parameters, shared with the page.
pub struct ParsedQueue {
    pub filter: QueueFilter,
    pub sort: QueueSort,
    pub page: Page,
    pub delayed_before: jiff::civil::Date,
}

/// Checks the queue parameters (`me` is the caller).
pub fn parse_queue(
    state: &AppState,
    user: &segur_store::UserRecord,
    q: &QueueQuery,
) -> Result<ParsedQueue, ApiError> {
    let today = state.today();
    let delay = state.settings().defaults.lif06_unanswered_days;
    let delayed_before = today
        .checked_sub(jiff::Span::new().days(i64::from(delay)))
        .unwrap_or(today);
    let none_if_empty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let filter = QueueFilter {
        dispositif: none_if_empty(&q.dispositif),
        state: none_if_empty(&q.state)
            .map(|s| CandidatureState::parse(&s).map_err(|e| ApiError::invalid("state", e.reason)))
            .transpose()?,
        assignee: none_if_empty(&q.assignee).map(|a| match a.as_str() {
            "none" => String::new(),
            "me" => user.id.clone(),
            _ => a,
        }),
        delayed_before: q.delayed.unwrap_or(false).then_some(delayed_before),
        with_open_complements: q.open_complements.unwrap_or(false),
        q: none_if_empty(&q.q).map(|s| s.chars().take(200).collect()),
        risk: none_if_empty(&q.risk)
            .map(|s| {
                segur_domain::rules::Risk::parse(&s)
                    .map_err(|e| ApiError::invalid("risk", e.reason))
            })
            .transpose()?,
    };
    let sort = match none_if_empty(&q.sort) {
        None => QueueSort::default(),
        Some(s) => QueueSort::parse(&s).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                format!("tri « {s} » inconnu : deadline, editor, dispositif, state, to_review"),
            )
        })?,
    };
    let page = crate::api::PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    Ok(ParsedQueue {
        filter,
        sort,
        page,
        delayed_before,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRowView {
    pub candidature: String,
    pub editor: String,
    pub title: String,
    pub dispositif: String,
    pub state: String,
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    pub to_review: i64,
    pub validated: i64,
    pub open_complements: i64,
    pub next_due: Option<String>,
    /// LIF-06: a complement unanswered for more than the allowed delay.
    pub delayed: bool,
    /// DEP-02 risk (`eleve`, `modere`, `sans_risque`), as last computed; absent before.
    pub risk: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    pub items: Vec<QueueRowView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// Facets under the same filters: by state (state filter ignored), by dispositif
    /// (dispositif filter ignored), and how many are delayed (LIF-06).
    pub by_state: Vec<CountView>,
    pub by_dispositif: Vec<CountView>,
    /// By DEP-02 risk (risk filter ignored).
    pub by_risk: Vec<CountView>,
    pub delayed: i64,
}

pub fn queue_row_view(r: &QueueRow, delayed_before: jiff::civil::Date) -> QueueRowView {
    QueueRowView {
        candidature: r.candidature_id.clone(),
        editor: r.editor_name.clone(),
        title: r.title.clone(),
        dispositif: r.dispositif.clone(),
        state: r.state.as_str().to_owned(),
        assignee: r.assignee_user_id.clone(),
        assignee_name: r.assignee_name.clone(),
        to_review: r.to_review,
        validated: r.validated,
        open_complements: r.open_complements,
        next_due: r.next_due.map(|d| d.to_string()),
        delayed: r.oldest_request.is_some_and(|d| d < delayed_before),
        risk: r.risk.map(|k| k.as_str().to_owned()),
    }
}

/// The instruction queue (ANS): every editor's candidatures past the draft, filtered, sorted,
/// paged, with facet counts.
#[utoipa::path(get, path = "/api/v1/instruction/queue", tag = "instruction", security(("session" = [])),
    params(QueueQuery),
    responses((status = 200, body = QueueView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueueView>, ApiError> {
    let desk = instruction_desk(&user, &state)?;
    let p = parse_queue(&state, &user, &q)?;
    let list = desk.instruction_queue(&p.filter, p.sort, p.page).await?;
    let counts = desk.instruction_counts(&p.filter, p.delayed_before).await?;
    let count_views = |v: &[(String, i64)]| {
        v.iter()
            .map(|(k, n)| CountView {
                key: k.clone(),
                count: *n,
            })
            .collect()
    };
    Ok(Json(QueueView {
        items: list
            .items
            .iter()
            .map(|r| queue_row_view(r, p.delayed_before))
            .collect(),
        total: list.total,
        limit: list.limit,
        offset: list.offset,
        by_state: count_views(&counts.by_state),
        by_dispositif: count_views(&counts.by_dispositif),
        by_risk: count_views(&counts.by_risk),
        delayed: counts.delayed,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// Up to 500 candidature ids.
    pub candidatures: Vec<String>,
    /// An ANS user id; `null` unassigns.
    pub assignee: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub changed: u64,
}

/// Batch assignment of candidatures to an ANS agent (or unassignment).
#[utoipa::path(post, path = "/api/v1/instruction/assignments", tag = "instruction", security(("session" = [])),
    request_body = AssignmentBody,
    responses((status = 200, body = AssignmentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_assignments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: JsonBody<AssignmentBody>,
) -> Result<Json<AssignmentView>, ApiError> {
    let desk = instruction_desk(&user, &state)?;
    let Json(body) = body?;
    let audit = meta.audit(&user, "", "");
    let changed = desk
        .assign_candidatures(&body.candidatures, body.assignee.as_deref(), &audit)
        .await?;
    Ok(Json(AssignmentView { changed }))
}

/// What the register says of an attestation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationCheckView {
    /// `valid` (issued, referencing active), `withdrawn`, or `unknown`.
    pub status: String,
    pub message: String,
    pub attestation: Option<AttestationView>,
}

pub fn check_view(a: Option<&AttestationRecord>) -> AttestationCheckView {
    match a {
        None => AttestationCheckView {
            status: "unknown".into(),
            message: "Aucune attestation de référencement ne correspond : ce document n'a pas été délivré par segur.".into(),
            attestation: None,
        },
        Some(a) if a.withdrawn_at.is_some() => AttestationCheckView {
            status: "withdrawn".into(),
            message: format!(
                "Attestation authentique, mais le référencement {} a été retiré : elle n'est plus valable.",
                a.nru
            ),
            attestation: Some(a.into()),
        },
        Some(a) => AttestationCheckView {
            status: "valid".into(),
            message: format!(
                "Attestation authentique : le référencement {} est en vigueur.",
                a.nru
            ),
            attestation: Some(a.into()),
        },
    }
}

/// Checks an attestation by its verification code. Public: no sign-in.
#[utoipa::path(get, path = "/api/v1/register/attestations/{code}", tag = "register",
    params(("code" = String, Path, description = "Verification code printed on the attestation")),
    responses((status = 200, body = AttestationCheckView), (status = 400, body = ErrorBody)))]
pub async fn check_attestation(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<AttestationCheckView>, ApiError> {
    let code = VerificationCode::parse(&code).map_err(|e| ApiError::invalid("code", e.reason))?;
    let a = state.store().system().attestation_by_code(&code).await?;
    Ok(Json(check_view(a.as_ref())))
}

/// Checks an attestation PDF (the request body, `application/pdf`, at most 10 MiB): authentic
/// only if it is, byte for byte, a PDF segur issued. Public: no sign-in.
#[utoipa::path(post, path = "/api/v1/register/attestations/verify", tag = "register",
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = AttestationCheckView), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn verify_attestation_pdf(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<AttestationCheckView>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid("file", "aucun fichier reçu"));
    }
    Ok(Json(verify_pdf_bytes(&state, &body).await?))
}

/// The check of uploaded PDF bytes, shared with the page.
pub async fn verify_pdf_bytes(
    state: &AppState,
    bytes: &[u8],
) -> Result<AttestationCheckView, ApiError> {
    let sha = hex::encode(Sha256::digest(bytes));
    let a = state.store().system().attestation_by_pdf(&sha).await?;
    if a.is_none() && crate::attestation::read_verification_code(bytes).is_some() {
        // It carries a code but is not a byte-exact copy: modified after issuance.
        return Ok(AttestationCheckView {
            status: "altered".into(),
            message: "Ce PDF porte un code de vérification mais ne correspond à aucune attestation délivrée : il a été modifié. Vérifiez le code sur le registre.".into(),
            attestation: None,
        });
    }
    Ok(check_view(a.as_ref()))
}

/// Largest attestation PDF accepted for verification (ours are a few dozen KiB).
pub const MAX_ATTESTATION_PDF_BYTES: usize = 10 << 20;

/// The routes that receive an attestation PDF to verify (API and page).
pub fn is_attestation_upload_path(path: &str) -> bool {
    path == "/api/v1/register/attestations/verify" || path == "/registre/attestations/verifier"
}
