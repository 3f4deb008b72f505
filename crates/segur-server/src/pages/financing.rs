//! Financing pages: the editor's orders and payment pipeline with the simulator, and the
//! ASP's queue, request detail with decisions, batch validation and eligibility-base import.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, http::StatusCode};
use segur_domain::authz::Action;
use segur_domain::financing::request::{FORMAT_V1, Simulation};
use segur_domain::financing::{Order, RequestDecision, RequestKind, RequestStatus};
use segur_domain::rules::{Diagnostic, Severity};
use segur_store::{FinancingTotal, Page, RequestRecord};
use serde::Deserialize;

use crate::access::{asp_desk, editor_desk};
use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta};
use crate::financing::{BaseImportError, Deposit};
use crate::pages::candidature::DiagnosticRow;
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// One bar of a chart, with its label and value, already scaled.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub x: u32,
    pub width: u32,
    pub height: u32,
    pub y: u32,
}

/// An accessible bar chart: SVG with a title, plus the same figures in a table.
pub struct Chart {
    pub title: String,
    pub bars: Vec<Bar>,
    pub width: u32,
}

const CHART_HEIGHT: u32 = 160;

impl Chart {
    fn new(title: &str, data: &[(String, u64)], unit: fn(u64) -> String) -> Self {
        let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        let step = 56;
        let bars = data
            .iter()
            .enumerate()
            .map(|(i, (label, v))| {
                let height = ((*v as f64 / max as f64) * f64::from(CHART_HEIGHT - 20)) as u32;
                Bar {
                    label: label.clone(),
                    value: unit(*v),
                    x: 8 + i as u32 * step,
                    width: step - 12,
                    height,
                    y: CHART_HEIGHT - height,
                }
            })
            .collect();
        Self {
            title: title.to_owned(),
            width: 16 + data.len() as u32 * step,
            bars,
        }
    }
}

fn euros(cents: u64) -> String {
    let units = cents / 100;
    let mut s = units.to_string();
    let mut i = s.len() as isize - 3;
    while i > 0 {
        s.insert(i as usize, '\u{202f}');
        i -= 3;
    }
    format!("{s},{:02} €", cents % 100)
}

/// Totals per month (amount HT) as a chart, and per SONS and status as rows.
fn month_chart(totals: &[FinancingTotal]) -> Chart {
    let mut per_month: BTreeMap<String, u64> = BTreeMap::new();
    for t in totals {
        *per_month.entry(t.month.clone()).or_default() += t.amount_ht.cents();
    }
    let data: Vec<(String, u64)> = per_month.into_iter().collect();
    Chart::new(
        "Montants HT des demandes déposées, par mois de dépôt",
        &data,
        euros,
    )
}

pub struct TotalRow {
    pub dispositif: String,
    pub month: String,
    pub status: &'static str,
    pub requests: i64,
    pub amount_ht: String,
    pub amount_ttc: String,
}

/// The French label of a stored status code, from the domain's own statuses.
fn status_label(code: &str) -> &'static str {
    [
        RequestStatus::Deposited,
        RequestStatus::AModifier {
            motivation: String::new(),
        },
        RequestStatus::Validated,
        RequestStatus::DecideeEtPayee,
    ]
    .iter()
    .find(|s| s.as_str() == code)
    .map_or("inconnu", RequestStatus::label_fr)
}

fn total_rows(totals: &[FinancingTotal]) -> Vec<TotalRow> {
    totals
        .iter()
        .map(|t| TotalRow {
            dispositif: t.dispositif.clone(),
            month: t.month.clone(),
            status: status_label(&t.status),
            requests: t.requests,
            amount_ht: euros(t.amount_ht.cents()),
            amount_ttc: euros(t.amount_ttc.cents()),
        })
        .collect()
}

pub struct RequestRow {
    pub organisation: String,
    pub organisation_name: String,
    pub id: String,
    pub order: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub motivation: Option<String>,
    pub client: String,
    pub dispositif: String,
    pub deposited_on: String,
    pub amount_ht: String,
    pub amendments: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl RequestRow {
    fn new(r: &RequestRecord, findings: &[Diagnostic]) -> Self {
        Self {
            organisation: r.organisation_id.clone(),
            organisation_name: r.organisation_name.clone(),
            id: r.request.id.clone(),
            order: r.request.order.clone(),
            kind: r.request.kind.label_fr(),
            status: r.request.status.as_str(),
            status_label: r.request.status.label_fr(),
            motivation: match &r.request.status {
                RequestStatus::AModifier { motivation } => Some(motivation.clone()),
                _ => None,
            },
            client: r.client.clone(),
            dispositif: r.dispositif.clone(),
            deposited_on: r.request.deposited_on.strftime("%d/%m/%Y").to_string(),
            amount_ht: euros(r.amount_ht.cents()),
            amendments: r.request.amendments.len(),
            errors: findings
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            warnings: findings
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count(),
        }
    }
}

pub struct OrderRow {
    pub id: String,
    pub client: String,
    pub dispositif: String,
    pub prestation: &'static str,
    pub signed_on: String,
    pub amount_ht: String,
    pub amount_ttc: String,
    pub advance: &'static str,
    pub balance: &'static str,
}

fn order_row(o: &Order, requests: &[RequestRecord]) -> OrderRow {
    let status = |k: RequestKind| {
        requests
            .iter()
            .find(|r| r.request.order == o.id && r.request.kind == k)
            .map_or("—", |r| r.request.status.label_fr())
    };
    OrderRow {
        id: o.id.clone(),
        client: o.client.to_string(),
        dispositif: o.dispositif.to_string(),
        prestation: o.prestation.label_fr(),
        signed_on: o
            .signed_on
            .map_or("non signée".into(), |d| d.strftime("%d/%m/%Y").to_string()),
        amount_ht: euros(o.amount_ht.cents()),
        amount_ttc: euros(o.amount_ttc.cents()),
        advance: status(RequestKind::Advance),
        balance: status(RequestKind::Balance),
    }
}

#[derive(Template)]
#[template(path = "financing.html")]
pub struct EditorFinancingPage {
    pub layout: Layout,
    pub organisation: String,
    pub orders: Vec<OrderRow>,
    pub requests: Vec<RequestRow>,
    pub diagnostics: Vec<DiagnosticRow>,
    pub totals: Vec<TotalRow>,
    pub chart: Chart,
}

/// The editor's orders and payment pipeline.
pub async fn editor_overview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if user.organisation_kind == segur_domain::org::OrganisationKind::Asp {
        return Ok(Redirect::to("/asp/financement").into_response());
    }
    let desk = editor_desk(&user, &state, Action::ReadFinancing)?;
    let o = desk.overview(&state).await?;
    let findings_of = |r: &RequestRecord| -> Vec<Diagnostic> {
        let subjects = segur_domain::rules::fin::request_subjects(&r.request.id, &r.request.order);
        o.diagnostics
            .iter()
            .filter(|d| subjects.contains(&d.subject))
            .cloned()
            .collect()
    };
    Ok(render_html(&EditorFinancingPage {
        layout: Layout::new("Financement", Some(&user), "financing"),
        organisation: user.organisation_name.clone(),
        orders: o.orders.iter().map(|x| order_row(x, &o.requests)).collect(),
        requests: o
            .requests
            .iter()
            .map(|r| RequestRow::new(r, &findings_of(r)))
            .collect(),
        diagnostics: o.diagnostics.iter().map(Into::into).collect(),
        totals: total_rows(&o.totals),
        chart: month_chart(&o.totals),
    }))
}

pub struct IssueRow {
    pub pointer: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "simulator.html")]
pub struct SimulatorPage {
    pub layout: Layout,
    pub document: String,
    pub ran: bool,
    pub accepted: bool,
    pub amendment: bool,
    pub deposited: Option<String>,
    pub error: Option<String>,
    pub issues: Vec<IssueRow>,
    pub diagnostics: Vec<DiagnosticRow>,
}

fn example_document(today: jiff::civil::Date) -> String {
    let doc = serde_json::json!({
        "format": FORMAT_V1,
        "id": "DA-2026-001",
        "kind": "advance",
        "deposited_on": today.to_string(),
        "order": {
            "id": "BC-2026-001",
            "client": "finess_et:750712184",
            "dispositif": "MDV-LGC-Va2",
            "sous_condition_de_referencement": true,
            "prestation": "va2",
            "emitted_on": today.to_string(),
            "signed_on": today.to_string(),
            "amount_ht": "1000.00",
            "amount_ttc": "1200.00"
        },
        "attachments": [
            { "kind": "bon_de_commande", "name": "bon-de-commande-signe.pdf",
              "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }
        ]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn simulator_page(
    user: &segur_store::UserRecord,
    document: String,
    simulation: Option<&Simulation>,
    deposited: Option<String>,
    error: Option<String>,
) -> SimulatorPage {
    SimulatorPage {
        layout: Layout::new(
            "Simulateur de demande de financement",
            Some(user),
            "financing",
        ),
        document,
        ran: simulation.is_some(),
        accepted: simulation.is_some_and(Simulation::accepted),
        amendment: simulation.is_some_and(|s| s.amendment),
        deposited,
        error,
        issues: simulation
            .map(|s| {
                s.issues
                    .iter()
                    .map(|i| IssueRow {
                        pointer: if i.pointer.is_empty() {
                            "(document)".into()
                        } else {
                            i.pointer.clone()
                        },
                        message: i.message_fr.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        diagnostics: simulation
            .map(|s| s.diagnostics.iter().map(Into::into).collect())
            .unwrap_or_default(),
    }
}

pub async fn simulator_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    editor_desk(&user, &state, Action::DepositFinancing)?;
    Ok(render_html(&simulator_page(
        &user,
        example_document(state.today()),
        None,
        None,
        None,
    )))
}

#[derive(Deserialize)]
pub struct SimulatorForm {
    pub document: String,
    /// `simulate` or `deposit`.
    pub action: Option<String>,
}

/// Runs the simulator on the pasted document, or deposits it when asked and accepted.
pub async fn simulator_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<SimulatorForm>,
) -> Result<Response, PageError> {
    let desk = editor_desk(&user, &state, Action::DepositFinancing)?;
    let doc = match crate::financing::parse_json_body(form.document.as_bytes()) {
        Ok(d) => d,
        Err(e) => {
            let page = simulator_page(&user, form.document, None, None, Some(e.message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&page)).into_response());
        }
    };
    if form.action.as_deref() == Some("deposit") {
        let audit = meta.audit(&user, "financing.request.deposit", "");
        return Ok(match desk.deposit(&state, &doc, &audit).await? {
            Deposit::Stored { record, simulation } => render_html(&simulator_page(
                &user,
                form.document,
                Some(&simulation),
                Some(format!(
                    "{} {} déposée : statut « {} ».",
                    record.request.kind.label_fr(),
                    record.request.id,
                    record.request.status.label_fr()
                )),
                None,
            )),
            Deposit::Refused(simulation) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                render_html(&simulator_page(
                    &user,
                    form.document,
                    Some(&simulation),
                    None,
                    Some(
                        "Dépôt refusé : corrigez les points ci-dessous puis déposez à nouveau."
                            .into(),
                    ),
                )),
            )
                .into_response(),
        });
    }
    let simulation = desk.simulate(&state, &doc).await?;
    Ok(render_html(&simulator_page(
        &user,
        form.document,
        Some(&simulation),
        None,
        None,
    )))
}

#[derive(Template)]
#[template(path = "asp_queue.html")]
pub struct AspQueuePage {
    pub layout: Layout,
    pub status: String,
    pub requests: Vec<RequestRow>,
    pub total: i64,
    pub totals: Vec<TotalRow>,
    pub chart: Chart,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    pub statut: Option<String>,
    pub message: Option<String>,
}

/// The ASP's queue of requests, oldest first, with their findings.
pub async fn asp_queue(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let desk = asp_desk(&user, &state)?;
    let status = q.statut.unwrap_or_else(|| "deposited".into());
    let filter = match status.as_str() {
        "tous" => None,
        "deposited" | "a_modifier" | "validated" | "decidee_et_payee" => Some(status.as_str()),
        _ => return Err(PageError::bad_request("statut inconnu")),
    };
    let list = desk
        .queue(
            filter,
            Page {
                limit: 500,
                offset: 0,
            },
        )
        .await?;
    let findings = desk.findings(&state).await?;
    let totals = desk.totals().await?;
    let requests = list
        .items
        .iter()
        .map(|r| {
            let f = findings
                .get(&(r.organisation_id.clone(), r.request.id.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            RequestRow::new(r, f)
        })
        .collect();
    Ok(render_html(&AspQueuePage {
        layout: Layout::new("File des demandes de financement", Some(&user), "financing"),
        status,
        requests,
        total: list.total,
        totals: total_rows(&totals),
        chart: month_chart(&totals),
        notice: q.message.filter(|m| m.len() < 500),
    }))
}

/// Batch validation from the queue: the checked boxes are `selection=org/id`.
pub async fn asp_batch(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let desk = asp_desk(&user, &state)?;
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(&body);
    let items: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k == "selection")
        .filter_map(|(_, v)| v.split_once('/').map(|(o, i)| (o.to_owned(), i.to_owned())))
        .take(500)
        .collect();
    if items.is_empty() {
        return Ok(Redirect::to(
            "/asp/financement?message=Aucune%20demande%20s%C3%A9lectionn%C3%A9e",
        )
        .into_response());
    }
    let audit = meta.audit(&user, "", "");
    let outcomes = desk.batch_validate(&state, &items, &audit).await?;
    let ok = outcomes.iter().filter(|o| o.outcome == "validated").count();
    let refused: Vec<String> = outcomes
        .iter()
        .filter(|o| o.outcome != "validated")
        .map(|o| format!("{} ({})", o.id, o.message))
        .collect();
    let mut message = format!("{ok} demande(s) validée(s)");
    if !refused.is_empty() {
        message.push_str(&format!(" ; non validée(s) : {}", refused.join(", ")));
    }
    Ok(Redirect::to(&format!(
        "/asp/financement?message={}",
        crate::extract::urlencode(&message)
    ))
    .into_response())
}

/// `application/x-www-form-urlencoded` pairs, keeping repeated keys (checkbox lists).
fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "asp_request.html")]
pub struct AspRequestPage {
    pub layout: Layout,
    pub row: RequestRow,
    pub document: String,
    pub diagnostics: Vec<DiagnosticRow>,
    pub can_validate: bool,
    pub can_pay: bool,
    pub notice: Option<String>,
    pub amendments: Vec<(String, String)>,
}

/// One request for the ASP: document, findings and the decisions its status allows.
pub async fn asp_request(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((organisation, id)): Path<(String, String)>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let desk = asp_desk(&user, &state)?;
    let (record, findings) = desk.request(&state, &organisation, &id).await?;
    let row = RequestRow::new(&record, &findings);
    Ok(render_html(&AspRequestPage {
        layout: Layout::new(
            format!(
                "Demande {} — {}",
                record.request.id, record.organisation_name
            ),
            Some(&user),
            "financing",
        ),
        can_validate: record.request.status == RequestStatus::Deposited,
        can_pay: record.request.status == RequestStatus::Validated,
        document: record
            .document
            .as_ref()
            .and_then(|d| serde_json::to_string_pretty(d).ok())
            .unwrap_or_else(|| "(déposée hors API : pas de document)".into()),
        diagnostics: findings.iter().map(Into::into).collect(),
        amendments: record
            .request
            .amendments
            .iter()
            .map(|a| (a.on.strftime("%d/%m/%Y").to_string(), a.description.clone()))
            .collect(),
        row,
        notice: q.message.filter(|m| m.len() < 500),
    }))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    pub decision: String,
    pub motivation: Option<String>,
}

pub async fn asp_decide(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path((organisation, id)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let desk = asp_desk(&user, &state)?;
    let decision = match form.decision.as_str() {
        "validate" => RequestDecision::Validate,
        "mark_paid" => RequestDecision::MarkPaid,
        "send_back" => RequestDecision::SendBack {
            motivation: form.motivation.unwrap_or_default(),
        },
        _ => return Err(PageError::bad_request("décision inconnue")),
    };
    let audit = meta.audit(&user, "", "");
    let back = format!(
        "/asp/financement/demandes/{}/{}",
        crate::extract::urlencode(&organisation),
        crate::extract::urlencode(&id)
    );
    let message = match desk
        .decide(&state, &organisation, &id, decision, &audit)
        .await
    {
        Ok(r) => format!("Décision enregistrée : {}.", r.request.status.label_fr()),
        Err(e) if e.code == crate::error::ErrorCode::NotFound => {
            return Err(PageError::not_found());
        }
        Err(e) => e.message,
    };
    Ok(Redirect::to(&format!(
        "{back}?message={}",
        crate::extract::urlencode(&message)
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "asp_base.html")]
pub struct AspBasePage {
    pub layout: Layout,
    pub outcome: Option<String>,
    pub errors: Vec<String>,
    pub total_errors: usize,
}

pub async fn asp_base_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    asp_desk(&user, &state)?;
    Ok(render_html(&AspBasePage {
        layout: Layout::new("Base d'éligibilité", Some(&user), "financing"),
        outcome: None,
        errors: vec![],
        total_errors: 0,
    }))
}

/// Upload of an eligibility base (multipart): checked, then imported unless « vérifier
/// seulement » is ticked.
pub async fn asp_base_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let desk = asp_desk(&user, &state)?;
    let mut bytes = Vec::new();
    let mut name = String::new();
    let mut dry_run = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("base") => {
                name = field
                    .file_name()
                    .unwrap_or("base")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| PageError::bad_request("envoi du fichier interrompu"))?
                    .to_vec();
            }
            Some("verifier") => dry_run = true,
            _ => {}
        }
    }
    let audit = meta.audit(
        &user,
        "financing.clients.import",
        format!("base « {name} »"),
    );
    let layout = Layout::new("Base d'éligibilité", Some(&user), "financing");
    match desk.import_base(&bytes, dry_run, &audit).await {
        Ok((parsed, summary)) => {
            let mut outcome = format!(
                "« {name} » : {} ligne(s), {} structure(s).",
                parsed.rows,
                parsed.clients.len()
            );
            match summary {
                Some(s) => outcome.push_str(&format!(
                    " Import effectué : {} ajoutée(s), {} mise(s) à jour.",
                    s.inserted, s.updated
                )),
                None => outcome.push_str(" Vérification seule : rien n'a été enregistré."),
            }
            if !parsed.ignored_columns.is_empty() {
                outcome.push_str(&format!(
                    " Colonnes ignorées : {}.",
                    parsed.ignored_columns.join(", ")
                ));
            }
            Ok(render_html(&AspBasePage {
                layout,
                outcome: Some(outcome),
                errors: vec![],
                total_errors: 0,
            }))
        }
        Err(BaseImportError::Unreadable(m)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_html(&AspBasePage {
                layout,
                outcome: None,
                errors: vec![m],
                total_errors: 1,
            }),
        )
            .into_response()),
        Err(BaseImportError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_html(&AspBasePage {
                layout,
                outcome: None,
                total_errors: errors.len(),
                errors: errors.iter().take(100).map(ToString::to_string).collect(),
            }),
        )
            .into_response()),
        Err(BaseImportError::Store(e)) => Err(e.into()),
    }
}

pub struct PilotRow {
    pub organisation: String,
    pub organisation_name: String,
    pub order: String,
    pub installed_on: String,
    pub pv_signed_on: String,
    pub validated_on: Option<String>,
    pub va_signed_on: String,
}

#[derive(Template)]
#[template(path = "ans_pilots.html")]
pub struct AnsPilotsPage {
    pub layout: Layout,
    pub pending: Vec<PilotRow>,
    pub validated: Vec<PilotRow>,
    pub notice: Option<String>,
}

fn fr_date(d: Option<jiff::civil::Date>) -> String {
    d.map_or("—".into(), |d| d.strftime("%d/%m/%Y").to_string())
}

/// ANS: pilot sites' PVs awaiting validation (PRE-03), and those validated.
pub async fn ans_pilots(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let desk = crate::access::ans_pilot_desk(&user, &state)?;
    let (mut pending, mut validated) = (Vec::new(), Vec::new());
    for p in desk.list().await? {
        let pv = p.prestation.pv.as_ref();
        let row = PilotRow {
            organisation: p.organisation_id.clone(),
            organisation_name: p.organisation_name.clone(),
            order: p.prestation.order.clone(),
            installed_on: fr_date(p.prestation.installed_on),
            pv_signed_on: fr_date(pv.map(|pv| pv.signed_on)),
            validated_on: pv
                .and_then(|pv| pv.ans_validated_on)
                .map(|d| fr_date(Some(d))),
            va_signed_on: fr_date(p.prestation.va_signed_on),
        };
        if row.validated_on.is_some() {
            validated.push(row);
        } else {
            pending.push(row);
        }
    }
    Ok(render_html(&AnsPilotsPage {
        layout: Layout::new("PV des sites pilotes", Some(&user), "pilots"),
        pending,
        validated,
        notice: q.message.filter(|m| m.len() < 500),
    }))
}

pub async fn ans_validate_pilot(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path((organisation, order)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let desk = crate::access::ans_pilot_desk(&user, &state)?;
    let audit = meta.audit(&user, "", "");
    let message = match desk.validate(&state, &organisation, &order, &audit).await {
        Ok(_) => format!("PV pilote de la commande {order} validé."),
        Err(e) if e.code == crate::error::ErrorCode::NotFound => {
            return Err(PageError::not_found());
        }
        Err(e) => e.message,
    };
    Ok(Redirect::to(&format!(
        "/ans/pv-pilotes?message={}",
        crate::extract::urlencode(&message)
    ))
    .into_response())
}
