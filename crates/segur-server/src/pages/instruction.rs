//! The instruction pages: a candidature's instruction and exchanges (both sides: clocks,
//! per-item decisions and answers, the thread, the référent's decision and the attestation),
//! the ANS queue with batch assignment, and the public check of an attestation.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use segur_domain::authz::{Action, authorize};
use segur_domain::candidature::{CandidatureEvent, CandidatureState};
use segur_domain::catalogue::ProofItemKey;
use segur_domain::instruction::ItemDecision;
use segur_domain::org::OrganisationKind;
use segur_domain::proof::ProofStatus;
use segur_store::{LinkedFileRecord, ReviewRecord, Side, UserRecord};
use serde::Deserialize;

use crate::access::{candidature_tenant, decision_desk, instruction_desk};
use crate::api::files::item_key;
use crate::api::instruction::{
    AttestationCheckView, QueueQuery, QueueRowView, check_view, parse_queue, queue_row_view,
    verify_pdf_bytes,
};
use crate::error::{ApiError, ErrorCode, PageError};
use crate::extract::{MaybeUser, PageUser, RequestMeta, actor, urlencode};
use crate::instruction::{self as flow, side_of, transition_side};
use crate::pages::{Layout, date_fr, days_label, render_html};
use crate::state::AppState;

/// One file of an item's current version.
pub struct FileLink {
    pub name: String,
    pub version: i64,
    pub state: &'static str,
    pub url: Option<String>,
}

/// One proof item as the instruction page shows it.
pub struct ItemRow {
    pub anchor: String,
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub label: String,
    pub chapter: String,
    pub proof_text: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub files: Vec<FileLink>,
    pub history: Vec<HistoryRow>,
    /// The ANS may decide on it now.
    pub can_decide: bool,
    /// The editor may answer now.
    pub can_answer: bool,
    /// The latest ANS motivation (what the editor must read).
    pub last_motivation: Option<String>,
    pub due: Option<String>,
}

pub struct HistoryRow {
    pub when: String,
    pub side: &'static str,
    pub author: String,
    pub kind: &'static str,
    pub motivation: String,
    pub due: Option<String>,
    pub version: Option<i64>,
}

impl From<&ReviewRecord> for HistoryRow {
    fn from(r: &ReviewRecord) -> Self {
        Self {
            when: short_time(&r.created_at),
            side: r.author_side.label_fr(),
            author: r.author_name.clone().unwrap_or_default(),
            kind: r.kind_label_fr(),
            motivation: r.motivation.clone(),
            due: r.due_on.map(date_fr),
            version: r.file_version,
        }
    }
}

pub struct ClockRow {
    pub label: String,
    pub date: String,
    pub days: String,
    pub passed: bool,
    pub rule: &'static str,
}

pub struct MessageRow {
    pub when: String,
    pub side: &'static str,
    pub from_ans: bool,
    pub author: String,
    pub body: String,
    pub file_name: Option<String>,
    pub file_url: Option<String>,
    /// Size and antivirus state of the attachment ("12 Kio, sain").
    pub file_facts: Option<String>,
}

pub struct TransitionButton {
    pub event: &'static str,
    pub label: &'static str,
}

pub struct BlockerRow {
    pub label: String,
    pub chapter: String,
    pub status: &'static str,
}

pub struct AttestationInfo {
    pub nru: String,
    pub code: String,
    pub url: String,
    pub pdf_url: String,
    pub issued: String,
    pub withdrawn: Option<String>,
}

pub struct FileOption {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "instruction.html")]
pub struct InstructionPage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub editor: String,
    pub state_label: &'static str,
    pub is_ans: bool,
    pub can_decide: bool,
    pub clocks: Vec<ClockRow>,
    pub delayed: bool,
    pub delay_days: u32,
    pub transitions: Vec<TransitionButton>,
    pub items: Vec<ItemRow>,
    pub to_review: usize,
    pub messages: Vec<MessageRow>,
    pub can_write: bool,
    pub attachable: Vec<FileOption>,
    pub blockers: Vec<BlockerRow>,
    pub can_refer: bool,
    pub in_instruction: bool,
    pub attestation: Option<AttestationInfo>,
    pub decisions: Vec<(String, String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub today: String,
    pub default_due: String,
}

fn short_time(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| {
            let z = t.to_zoned(segur_domain::calendar::paris());
            format!("{} à {} h {:02}", date_fr(z.date()), z.hour(), z.minute())
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn anchor(k: &ProofItemKey) -> String {
    format!(
        "item-{}-{}-{}",
        k.requirement
            .as_str()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>(),
        k.scenario,
        k.proof
    )
}

fn event_name(e: CandidatureEvent) -> Option<(&'static str, &'static str)> {
    use CandidatureEvent as E;
    Some(match e {
        E::SubmitAdministrative => ("submit_administrative", "Déposer le dossier administratif"),
        E::CompleteEligibility => ("complete_eligibility", "Déclarer l'éligibilité complète"),
        E::StartDeposits => ("start_deposits", "Commencer le dépôt des preuves"),
        E::DeclareComplete => ("declare_complete", "Déclarer le dossier complet"),
        E::StartInstruction => ("start_instruction", "Ouvrir l'instruction"),
        E::Reopen => ("reopen", "Rouvrir la candidature"),
        E::Abandon => ("abandon", "Abandonner la candidature"),
        E::RequestComplement | E::Refer | E::Refuse => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub message: Option<String>,
    pub erreur: Option<String>,
}

fn clip(s: Option<String>) -> Option<String> {
    s.map(|m| m.chars().take(500).collect())
}

/// Back to the instruction page with the outcome (post/redirect/get). A candidature that is
/// not the caller's is a 404 page and a missing right a 403 page, as on every other page;
/// any other refusal comes back as the French reason above the forms.
fn back(id: &str, anchor: &str, message: Result<String, ApiError>) -> Response {
    let q = match message {
        Ok(m) => format!("message={}", urlencode(&m)),
        Err(e) if e.code == ErrorCode::NotFound => return PageError::not_found().into_response(),
        Err(e) if e.code == ErrorCode::Forbidden => return PageError::forbidden().into_response(),
        Err(e) => format!("erreur={}", urlencode(&e.message)),
    };
    Redirect::to(&format!(
        "/candidatures/{}/instruction?{q}#{anchor}",
        urlencode(id)
    ))
    .into_response()
}

/// `GET /candidatures/{id}/instruction`.
pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let o = flow::overview(&state, &tenant, &id).await?;
    let c = &o.candidature;
    let plan = &o.plan;
    let summary = tenant.candidature_summary(&id).await?;
    let files = tenant.list_candidature_files(&id).await?;
    let is_ans = user.organisation_kind == OrganisationKind::Ans;
    let may = |a: Action| authorize(&actor(&user), a, Some(tenant.organisation_id())).is_ok();
    let can_instruct = is_ans && may(Action::Instruct);
    let can_decide = is_ans && may(Action::Decide);
    let can_write_editor = !is_ans && may(Action::WriteEditorData);
    let in_instruction = o.state == CandidatureState::InInstruction;

    let mut by_item: HashMap<&ProofItemKey, Vec<&LinkedFileRecord>> = HashMap::new();
    for f in files.iter().filter(|f| f.current) {
        by_item.entry(&f.key).or_default().push(f);
    }
    let mut history: HashMap<&ProofItemKey, Vec<&ReviewRecord>> = HashMap::new();
    for r in &o.reviews {
        history.entry(&r.key).or_default().push(r);
    }
    let due_of: HashMap<&ProofItemKey, jiff::civil::Date> = o
        .open_complements
        .iter()
        .filter_map(|c| c.due_on.map(|d| (&c.key, d)))
        .collect();
    let mut items = Vec::new();
    for i in plan
        .items
        .iter()
        .filter(|i| i.status.must_deposit() || i.deposit.is_some())
    {
        let status = i.deposit.unwrap_or(ProofStatus::ToDeposit);
        let reviews = history.get(&i.key).cloned().unwrap_or_default();
        let awaiting_review = matches!(status, ProofStatus::Deposited | ProofStatus::UnderReview);
        let sent_back = matches!(
            status,
            ProofStatus::ComplementRequested | ProofStatus::Rejected
        );
        items.push(ItemRow {
            anchor: anchor(&i.key),
            requirement: i.key.requirement.as_str().to_owned(),
            scenario: i.key.scenario,
            proof: i.key.proof,
            label: i.key.to_string(),
            chapter: i.chapter.clone(),
            proof_text: i.proof_text.clone(),
            status: status.as_str(),
            status_label: status.label_fr(),
            files: by_item
                .get(&i.key)
                .map(|v| {
                    v.iter()
                        .map(|f| FileLink {
                            name: f.file.original_name.clone(),
                            version: f.version,
                            state: f.file.scan_state.label(),
                            url: (f.file.scan_state == segur_store::ScanState::Clean).then(|| {
                                format!("/api/v1/candidatures/{id}/files/{}/content", f.file.id)
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            can_decide: can_instruct && in_instruction && awaiting_review,
            can_answer: can_write_editor && in_instruction && sent_back,
            last_motivation: reviews
                .iter()
                .rev()
                .find(|r| r.author_side == Side::Ans)
                .filter(|_| sent_back)
                .map(|r| r.motivation.clone()),
            due: due_of.get(&i.key).map(|d| date_fr(*d)),
            history: reviews.iter().map(|r| HistoryRow::from(*r)).collect(),
        });
    }
    // Items awaiting the reader's action first: review for the ANS, answers for the editor.
    items.sort_by_key(|i| !(i.can_decide || i.can_answer));
    let to_review = items.iter().filter(|i| i.can_decide).count();

    let side = side_of(&user);
    let transitions = if may(if is_ans {
        Action::Instruct
    } else {
        Action::WriteEditorData
    }) {
        [
            CandidatureEvent::SubmitAdministrative,
            CandidatureEvent::CompleteEligibility,
            CandidatureEvent::StartDeposits,
            CandidatureEvent::DeclareComplete,
            CandidatureEvent::StartInstruction,
            CandidatureEvent::Reopen,
            CandidatureEvent::Abandon,
        ]
        .into_iter()
        .filter(|e| transition_side(*e) == Some(side) && o.state.apply(*e).is_ok())
        .filter_map(event_name)
        .map(|(event, label)| TransitionButton { event, label })
        .collect()
    } else {
        Vec::new()
    };
    let default_due = o.default_complement_due.to_string();
    let attachable = if can_write_editor {
        let mut seen = std::collections::HashSet::new();
        files
            .iter()
            .filter(|f| f.file.scan_state == segur_store::ScanState::Clean)
            .filter(|f| seen.insert(f.file.id.clone()))
            .map(|f| FileOption {
                id: f.file.id.clone(),
                name: f.file.original_name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = InstructionPage {
        layout: Layout::new(
            format!("Instruction — {}", summary.title),
            Some(&user),
            if is_ans { "instruction" } else { "dashboard" },
        ),
        id: id.clone(),
        title: summary.title.clone(),
        editor: c.editor.clone(),
        state_label: o.state.label_fr(),
        is_ans,
        can_decide,
        clocks: o
            .clocks
            .iter()
            .map(|k| ClockRow {
                label: k.label_fr.clone(),
                date: date_fr(k.due_on),
                days: days_label(k.days_left),
                passed: k.days_left < 0,
                rule: k.rule,
            })
            .collect(),
        delayed: o.delayed,
        delay_days: o.delay_days,
        transitions,
        to_review,
        items,
        messages: o
            .messages
            .iter()
            .map(|m| MessageRow {
                when: short_time(&m.created_at),
                side: m.author_side.label_fr(),
                from_ans: m.author_side == Side::Ans,
                author: m.author_name.clone().unwrap_or_default(),
                body: m.body.clone(),
                file_name: m.file_name.clone(),
                file_url: match &m.attachment {
                    Some(a) if a.scan_state == segur_store::ScanState::Clean => {
                        Some(format!("/api/v1/candidatures/{id}/files/{}/content", a.id))
                    }
                    Some(_) => None,
                    None => m
                        .file_id
                        .as_ref()
                        .map(|f| format!("/api/v1/candidatures/{id}/files/{f}/content")),
                },
                file_facts: m.attachment.as_ref().map(|a| {
                    format!(
                        "{}, {}",
                        crate::api::files::size_label(u64::try_from(a.size).unwrap_or(0)),
                        a.scan_state.label()
                    )
                }),
            })
            .collect(),
        can_write: !o.state.is_final() && (can_write_editor || (is_ans && can_instruct)),
        attachable,
        blockers: o
            .blockers
            .iter()
            .map(|b| BlockerRow {
                label: b.key.to_string(),
                chapter: b.chapter.clone(),
                status: b.status_label_fr(),
            })
            .collect(),
        can_refer: can_decide && in_instruction && o.blockers.is_empty(),
        in_instruction,
        attestation: o.attestation.as_ref().map(|a| AttestationInfo {
            nru: a.nru.as_str().to_owned(),
            code: a.code.as_str().to_owned(),
            url: format!("/registre/attestations/{}", a.code),
            pdf_url: format!("/api/v1/candidatures/{id}/attestation.pdf"),
            issued: date_fr(a.content.referenced_on),
            withdrawn: a.withdrawn_at.as_deref().map(short_time),
        }),
        decisions: o
            .decisions
            .iter()
            .map(|d| {
                (
                    match d.kind.as_str() {
                        "referred" => "Référencement".to_owned(),
                        "refused" => "Refus".to_owned(),
                        "withdrawn" => "Retrait du référencement".to_owned(),
                        k => k.to_owned(),
                    },
                    date_fr(d.decided_on),
                    if d.motivation.is_empty() {
                        d.nru
                            .clone()
                            .map(|n| format!("NRU {n}"))
                            .unwrap_or_default()
                    } else {
                        d.motivation.clone()
                    },
                )
            })
            .collect(),
        notice: clip(q.message),
        error: clip(q.erreur),
        today: o.today.to_string(),
        default_due,
    };
    Ok(render_html(&page))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub decision: String,
    pub motivation: String,
    pub due_on: Option<String>,
}

/// `POST /candidatures/{id}/instruction/decision` (instructeur).
pub async fn decide_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::Instruct).await?;
    let result = async {
        let key = item_key(&f.requirement, f.scenario, f.proof)?;
        let decision = ItemDecision::parse(&f.decision)
            .map_err(|e| ApiError::invalid("decision", e.reason))?;
        let due = flow::parse_optional_date(f.due_on.as_deref(), "due_on")?;
        let audit = meta.audit(&user, "", "");
        flow::decide_item(
            &state,
            &tenant,
            &id,
            &key,
            decision,
            &f.motivation,
            due,
            &audit,
        )
        .await
        .map(|r| (key, r))
    }
    .await;
    let anchor_of = |r: &str, s: u16, p: u16| {
        item_key(r, s, p)
            .map(|k| anchor(&k))
            .unwrap_or_else(|_| "preuves".into())
    };
    let a = anchor_of(&f.requirement, f.scenario, f.proof);
    Ok(back(
        &id,
        &a,
        result.map(|(key, r)| format!("{key} : {}.", r.kind_label_fr())),
    ))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub message: String,
}

/// `POST /candidatures/{id}/instruction/reponse` (editor).
pub async fn answer_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    if user.organisation_kind != OrganisationKind::Editor {
        return Err(PageError::forbidden());
    }
    let tenant = candidature_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    let key = item_key(&f.requirement, f.scenario, f.proof);
    let a = key
        .as_ref()
        .map(anchor)
        .unwrap_or_else(|_| "preuves".into());
    let result = match key {
        Ok(key) => {
            let audit = meta.audit(&user, "", "");
            flow::answer_item(&state, &tenant, &id, &key, &f.message, &audit)
                .await
                .map(|_| format!("{key} : réponse envoyée à l'ANS."))
        }
        Err(e) => Err(e),
    };
    Ok(back(&id, &a, result))
}

#[derive(Deserialize)]
pub struct MessageForm {
    pub body: String,
    pub file_id: Option<String>,
}

/// `POST /candidatures/{id}/instruction/message` (both sides): the page's form posts
/// `multipart/form-data` (the ANS may send a file with its message, the editor picks one of
/// its proof files); a URL-encoded form is accepted too.
pub async fn message_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let action = if user.organisation_kind == OrganisationKind::Ans {
        Action::Instruct
    } else {
        Action::WriteEditorData
    };
    // Authorization before the body is read.
    let tenant = candidature_tenant(&state, &user, &id, action).await?;
    let audit = meta.audit(&user, "", "");
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let result = if multipart {
        match Multipart::from_request(request, &state).await {
            Err(e) => Err(ApiError::invalid("body", e.body_text())),
            Ok(form) => match flow::read_message_parts(form).await {
                Err(e) => Err(e),
                Ok(parts) => match &parts.file {
                    Some(_) if parts.file_id.is_some() => Err(ApiError::invalid(
                        "file_id",
                        "un seul fichier par message : choisissez une pièce jointe ou envoyez un fichier",
                    )),
                    Some((name, bytes)) => {
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
                        .await
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
                        .await
                    }
                },
            },
        }
    } else {
        match Form::<MessageForm>::from_request(request, &state).await {
            Err(e) => Err(ApiError::invalid("body", e.body_text())),
            Ok(Form(f)) => {
                flow::post_message(&tenant, &user, &id, &f.body, f.file_id.as_deref(), &audit).await
            }
        }
    };
    Ok(back(
        &id,
        "echanges",
        result.map(|_| "Message envoyé.".to_owned()),
    ))
}

#[derive(Deserialize)]
pub struct TransitionForm {
    pub event: String,
}

/// `POST /candidatures/{id}/instruction/transition`.
pub async fn transition_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<TransitionForm>,
) -> Result<Response, PageError> {
    let action = if user.organisation_kind == OrganisationKind::Ans {
        Action::Instruct
    } else {
        Action::WriteEditorData
    };
    let tenant = candidature_tenant(&state, &user, &id, action).await?;
    let result = match flow::parse_event(&f.event) {
        Ok(event) => {
            let audit = meta.audit(&user, "", "");
            flow::transition(&state, &tenant, &user, &id, event, &audit)
                .await
                .map(|s| format!("Candidature : {}.", s.label_fr()))
        }
        Err(e) => Err(e),
    };
    Ok(back(&id, "etat", result))
}

#[derive(Deserialize)]
pub struct ReferralForm {
    pub note: Option<String>,
}

/// `POST /candidatures/{id}/instruction/referencement` (référent).
pub async fn refer_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::Decide).await?;
    let audit = meta.audit(&user, "", "");
    let result = flow::refer(&state, &tenant, &id, f.note.as_deref(), &audit)
        .await
        .map(|a| {
            format!(
                "Candidature référencée : NRU {}, attestation délivrée.",
                a.nru
            )
        });
    Ok(back(&id, "decision", result))
}

#[derive(Deserialize)]
pub struct MotivationForm {
    pub motivation: String,
}

/// `POST /candidatures/{id}/instruction/refus` (référent).
pub async fn refuse_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<MotivationForm>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::Decide).await?;
    let audit = meta.audit(&user, "", "");
    let result = flow::refuse(&state, &tenant, &id, &f.motivation, &audit)
        .await
        .map(|_| "Candidature refusée.".to_owned());
    Ok(back(&id, "decision", result))
}

/// `POST /candidatures/{id}/instruction/retrait` (référent): withdraws the candidature's
/// referencing (EQV-13 cascade).
pub async fn withdraw_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(f): Form<MotivationForm>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::Decide).await?;
    let desk = decision_desk(&user, &state)?;
    let result = async {
        let a = tenant
            .attestation(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("référencement"))?;
        let motivation = segur_domain::decision::Motivation::parse(&f.motivation)
            .map_err(|e| ApiError::invalid("motivation", e.reason))?;
        let audit = meta.audit(&user, "", "");
        let losing = desk
            .withdraw_referencing(&a.nru, &motivation, state.today(), &audit)
            .await?;
        Ok(format!(
            "Référencement {} retiré ; {} candidature(s) perdent leur équivalence (EQV-13).",
            a.nru,
            losing.len()
        ))
    }
    .await;
    Ok(back(&id, "decision", result))
}

// ---------------------------------------------------------------------------------------------
// The ANS queue.

pub struct Facet {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub selected: bool,
}

pub struct AgentOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "instruction_queue.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub rows: Vec<QueueRowView>,
    pub total: i64,
    pub delayed: i64,
    pub states: Vec<Facet>,
    pub dispositifs: Vec<Facet>,
    pub risks: Vec<Facet>,
    pub agents: Vec<AgentOption>,
    pub q: String,
    pub sort: String,
    pub assignee: String,
    pub delayed_only: bool,
    pub open_only: bool,
    pub first: i64,
    pub last: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub delay_days: u32,
}

#[derive(Deserialize, Default)]
pub struct QueuePageQuery {
    pub dispositif: Option<String>,
    pub state: Option<String>,
    pub assignee: Option<String>,
    pub delayed: Option<String>,
    pub open_complements: Option<String>,
    pub q: Option<String>,
    pub risk: Option<String>,
    pub sort: Option<String>,
    pub offset: Option<i64>,
    pub message: Option<String>,
    pub erreur: Option<String>,
}

fn state_label(s: &str) -> String {
    CandidatureState::parse(s)
        .map(|s| s.label_fr().to_owned())
        .unwrap_or_else(|_| s.to_owned())
}

/// `GET /instruction`: the ANS queue.
pub async fn queue(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<QueuePageQuery>,
) -> Result<Response, PageError> {
    let desk = instruction_desk(&user, &state)?;
    let checked = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    let api_q = QueueQuery {
        dispositif: q.dispositif.clone(),
        state: q.state.clone(),
        assignee: q.assignee.clone(),
        delayed: Some(checked(&q.delayed)),
        open_complements: Some(checked(&q.open_complements)),
        q: q.q.clone(),
        risk: q.risk.clone(),
        sort: q.sort.clone(),
        limit: Some(50),
        offset: q.offset,
    };
    let p = parse_queue(&state, &user, &api_q)?;
    let list = desk.instruction_queue(&p.filter, p.sort, p.page).await?;
    let counts = desk.instruction_counts(&p.filter, p.delayed_before).await?;
    let agents = desk.agents().await?;
    let selected_state = q.state.clone().unwrap_or_default();
    let selected_dispositif = q.dispositif.clone().unwrap_or_default();
    let assignee = q.assignee.clone().unwrap_or_default();
    let link = |offset: i64| {
        let mut parts = Vec::new();
        for (k, v) in [
            ("dispositif", &q.dispositif),
            ("state", &q.state),
            ("assignee", &q.assignee),
            ("delayed", &q.delayed),
            ("open_complements", &q.open_complements),
            ("q", &q.q),
            ("risk", &q.risk),
            ("sort", &q.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts.push(format!("offset={offset}"));
        format!("/instruction?{}", parts.join("&"))
    };
    let offset = list.offset;
    let page = QueuePage {
        layout: Layout::new("Instruction des candidatures", Some(&user), "instruction"),
        rows: list
            .items
            .iter()
            .map(|r| queue_row_view(r, p.delayed_before))
            .collect(),
        total: list.total,
        delayed: counts.delayed,
        states: counts
            .by_state
            .iter()
            .map(|(k, n)| Facet {
                key: k.clone(),
                label: state_label(k),
                count: *n,
                selected: *k == selected_state,
            })
            .collect(),
        dispositifs: counts
            .by_dispositif
            .iter()
            .map(|(k, n)| Facet {
                key: k.clone(),
                label: k.clone(),
                count: *n,
                selected: *k == selected_dispositif,
            })
            .collect(),
        risks: {
            let selected = q.risk.clone().unwrap_or_default();
            segur_domain::rules::Risk::ALL
                .iter()
                .map(|r| Facet {
                    key: r.as_str().to_owned(),
                    label: r.phrase_fr().to_owned(),
                    count: counts
                        .by_risk
                        .iter()
                        .find(|(k, _)| k == r.as_str())
                        .map_or(0, |(_, n)| *n),
                    selected: r.as_str() == selected,
                })
                .collect()
        },
        agents: agents
            .iter()
            .map(|a| AgentOption {
                id: a.id.clone(),
                name: format!("{} ({})", a.display_name, a.role.label_fr()),
                selected: a.id == assignee,
            })
            .collect(),
        q: q.q.clone().unwrap_or_default(),
        sort: q.sort.clone().unwrap_or_else(|| "deadline".into()),
        assignee,
        delayed_only: checked(&q.delayed),
        open_only: checked(&q.open_complements),
        first: if list.total == 0 { 0 } else { offset + 1 },
        last: offset + list.items.len() as i64,
        prev: (offset > 0).then(|| link((offset - list.limit).max(0))),
        next: (offset + list.limit < list.total).then(|| link(offset + list.limit)),
        notice: clip(q.message),
        error: clip(q.erreur),
        delay_days: state.settings().defaults.lif06_unanswered_days,
    };
    Ok(render_html(&page))
}

/// `POST /instruction/affectation`: batch assignment from the queue (the form sends one
/// `candidature` field per checked row).
pub async fn assign_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let desk = instruction_desk(&user, &state)?;
    let mut ids = Vec::new();
    let mut assignee = None;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| PageError::bad_request("formulaire illisible"))?;
    for (k, v) in pairs {
        match k.as_str() {
            "candidature" => ids.push(v),
            "assignee" => assignee = Some(v),
            _ => {}
        }
    }
    let assignee = assignee.filter(|a| !a.is_empty() && a != "none");
    let audit = meta.audit(&user, "", "");
    let to = match desk
        .assign_candidatures(&ids, assignee.as_deref(), &audit)
        .await
    {
        Ok(n) => format!(
            "/instruction?message={}",
            urlencode(&format!("{n} candidature(s) affectée(s)."))
        ),
        Err(e) => format!("/instruction?erreur={}", urlencode(&e.message)),
    };
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------------------------------------
// The public check of an attestation.

#[derive(Template)]
#[template(path = "attestation_check.html")]
pub struct CheckPage {
    pub layout: Layout,
    pub code: String,
    pub result: Option<AttestationCheckView>,
    pub error: Option<String>,
}

fn check_page(
    user: Option<UserRecord>,
    code: String,
    result: Option<AttestationCheckView>,
    error: Option<String>,
) -> CheckPage {
    CheckPage {
        layout: Layout::new(
            "Vérifier une attestation de référencement",
            user.as_ref(),
            "register",
        ),
        code,
        result,
        error,
    }
}

#[derive(Deserialize)]
pub struct CodeQuery {
    pub code: Option<String>,
}

/// `GET /registre/attestations`: the check form; `?code=` redirects to the code's page.
pub async fn check_form(MaybeUser(user): MaybeUser, Query(q): Query<CodeQuery>) -> Response {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        return match segur_domain::decision::VerificationCode::parse(code) {
            Ok(c) => Redirect::to(&format!("/registre/attestations/{c}")).into_response(),
            Err(e) => (
                axum::http::StatusCode::BAD_REQUEST,
                render_html(&check_page(user, code.to_owned(), None, Some(e.reason))),
            )
                .into_response(),
        };
    }
    render_html(&check_page(user, String::new(), None, None))
}

/// `GET /registre/attestations/{code}`: what the register says of a code.
pub async fn check_code(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let parsed = match segur_domain::decision::VerificationCode::parse(&code) {
        Ok(c) => c,
        Err(e) => {
            return Ok((
                axum::http::StatusCode::BAD_REQUEST,
                render_html(&check_page(user, code, None, Some(e.reason))),
            )
                .into_response());
        }
    };
    let a = state.store().system().attestation_by_code(&parsed).await?;
    Ok(render_html(&check_page(
        user,
        parsed.to_string(),
        Some(check_view(a.as_ref())),
        None,
    )))
}

/// `POST /registre/attestations/verifier`: checks an uploaded PDF (multipart field `file`).
pub async fn check_pdf(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut bytes = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(_) => {
                    return Ok((
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        render_html(&check_page(
                            user,
                            String::new(),
                            None,
                            Some("Fichier illisible ou trop volumineux (10 Mio au plus).".into()),
                        )),
                    )
                        .into_response());
                }
            }
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Ok((
            axum::http::StatusCode::BAD_REQUEST,
            render_html(&check_page(
                user,
                String::new(),
                None,
                Some("Choisissez le fichier PDF de l'attestation.".into()),
            )),
        )
            .into_response());
    };
    let result = verify_pdf_bytes(&state, &bytes).await?;
    Ok(render_html(&check_page(
        user,
        String::new(),
        Some(result),
        None,
    )))
}
