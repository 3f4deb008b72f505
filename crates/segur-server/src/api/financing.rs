//! Financing API: the simulator and deposit of payment requests (editors), the ASP's queue,
//! decisions and batch validation, totals, the eligibility base and exports.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use segur_domain::authz::Action;
use segur_domain::financing::request::{DocumentIssue, SCHEMA_V1, Simulation};
use segur_domain::financing::{
    Client, Order, PaymentRequest, RequestDecision, RequestKind, RequestStatus,
};
use segur_domain::org::OrganisationKind;
use segur_domain::rules::Diagnostic;
use segur_store::{FinancingTotal, Page, RequestRecord, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{ans_pilot_desk, asp_desk, editor_desk};
use crate::api::PageParams;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiQuery, ApiUser, RequestMeta};
use crate::financing::{Deposit, parse_json_body};
use crate::state::AppState;
use crate::views::{DiagnosticView, ListEnvelope};

/// A problem at one place of a request document.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueView {
    /// JSON pointer (RFC 6901) of the offending value; empty for the whole document.
    pub pointer: String,
    pub message_fr: String,
    pub message_en: String,
}

impl From<&DocumentIssue> for IssueView {
    fn from(i: &DocumentIssue) -> Self {
        Self {
            pointer: i.pointer.clone(),
            message_fr: i.message_fr.clone(),
            message_en: i.message_en.clone(),
        }
    }
}

/// What a deposit of the document would give.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationView {
    /// A deposit would be accepted: well-formed and without error finding.
    pub accepted: bool,
    /// The document amends a request sent back « à modifier ».
    pub amendment: bool,
    /// Shape and value problems (schema first); when present no rule ran.
    pub issues: Vec<IssueView>,
    /// Rule findings (BDC, FIN, PRE) on this request, its order and Prestation.
    pub diagnostics: Vec<DiagnosticView>,
}

impl From<&Simulation> for SimulationView {
    fn from(s: &Simulation) -> Self {
        Self {
            accepted: s.accepted(),
            amendment: s.amendment,
            issues: s.issues.iter().map(Into::into).collect(),
            diagnostics: s.diagnostics.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentView {
    pub on: String,
    pub description: String,
}

/// A payment request as the lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRequestView {
    /// Editor (organisation) that deposited it.
    pub organisation: String,
    pub organisation_name: String,
    pub id: String,
    pub order: String,
    /// `advance` or `balance`.
    pub kind: String,
    /// `deposited`, `a_modifier`, `validated` or `decidee_et_payee`.
    pub status: String,
    pub status_label: String,
    /// Why the ASP sent it back, when « à modifier ».
    pub motivation: Option<String>,
    pub deposited_on: String,
    pub amendments: Vec<AmendmentView>,
    pub client: String,
    pub dispositif: String,
    /// Amounts of the order, euros with two decimals.
    pub amount_ht: String,
    pub amount_ttc: String,
    pub updated_at: String,
    pub decided_at: Option<String>,
}

impl From<&RequestRecord> for PaymentRequestView {
    fn from(r: &RequestRecord) -> Self {
        let p: &PaymentRequest = &r.request;
        Self {
            organisation: r.organisation_id.clone(),
            organisation_name: r.organisation_name.clone(),
            id: p.id.clone(),
            order: p.order.clone(),
            kind: p.kind.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            status_label: p.status.label_fr().to_owned(),
            motivation: match &p.status {
                RequestStatus::AModifier { motivation } => Some(motivation.clone()),
                _ => None,
            },
            deposited_on: p.deposited_on.to_string(),
            amendments: p
                .amendments
                .iter()
                .map(|a| AmendmentView {
                    on: a.on.to_string(),
                    description: a.description.clone(),
                })
                .collect(),
            client: r.client.clone(),
            dispositif: r.dispositif.clone(),
            amount_ht: r.amount_ht.to_string(),
            amount_ttc: r.amount_ttc.to_string(),
            updated_at: r.updated_at.clone(),
            decided_at: r.decided_at.clone(),
        }
    }
}

/// A request with its document and its findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDetailView {
    pub request: PaymentRequestView,
    /// The last deposited document (segur format v1).
    #[schema(value_type = Option<Object>)]
    pub document: Option<serde_json::Value>,
    pub diagnostics: Vec<DiagnosticView>,
}

fn detail(record: &RequestRecord, diagnostics: &[Diagnostic]) -> RequestDetailView {
    RequestDetailView {
        request: record.into(),
        document: record.document.clone(),
        diagnostics: diagnostics.iter().map(Into::into).collect(),
    }
}

/// A bon de commande with the state of its requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub client: String,
    pub dispositif: String,
    /// `va2` or `va1_va2`.
    pub prestation: String,
    pub referencing: Option<String>,
    pub sous_condition_de_referencement: bool,
    pub emitted_on: String,
    pub signed_on: Option<String>,
    pub deposited_on: Option<String>,
    pub amount_ht: String,
    pub amount_ttc: String,
    /// Status of its advance request, if any.
    pub advance: Option<String>,
    /// Status of its balance request, if any.
    pub balance: Option<String>,
}

impl OrderView {
    fn new(o: &Order, requests: &[RequestRecord]) -> Self {
        let status = |kind: RequestKind| {
            requests
                .iter()
                .find(|r| r.request.order == o.id && r.request.kind == kind)
                .map(|r| r.request.status.as_str().to_owned())
        };
        Self {
            id: o.id.clone(),
            client: o.client.to_string(),
            dispositif: o.dispositif.to_string(),
            prestation: match o.prestation {
                segur_domain::financing::PrestationType::Va2 => "va2".into(),
                segur_domain::financing::PrestationType::Va1Va2 => "va1_va2".into(),
            },
            referencing: o.referencing.as_ref().map(ToString::to_string),
            sous_condition_de_referencement: o.sous_condition_de_referencement,
            emitted_on: o.emitted_on.to_string(),
            signed_on: o.signed_on.map(|d| d.to_string()),
            deposited_on: o.deposited_on.map(|d| d.to_string()),
            amount_ht: o.amount_ht.to_string(),
            amount_ttc: o.amount_ttc.to_string(),
            advance: status(RequestKind::Advance),
            balance: status(RequestKind::Balance),
        }
    }
}

/// Requests of one SONS, month of deposit and status.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancingTotalView {
    pub dispositif: String,
    /// `YYYY-MM`.
    pub month: String,
    pub status: String,
    pub requests: i64,
    pub amount_ht: String,
    pub amount_ttc: String,
}

impl From<&FinancingTotal> for FinancingTotalView {
    fn from(t: &FinancingTotal) -> Self {
        Self {
            dispositif: t.dispositif.clone(),
            month: t.month.clone(),
            status: t.status.clone(),
            requests: t.requests,
            amount_ht: t.amount_ht.to_string(),
            amount_ttc: t.amount_ttc.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityView {
    pub dispositif: String,
    pub activity: Option<String>,
    pub cap_ht: String,
    pub cap_ttc: Option<String>,
    pub cap_va1va2_extra_ht: Option<String>,
}

/// A client structure of the eligibility base.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    /// `finess_ej:…`, `finess_et:…`, `siret:…` or `rpps:…`.
    pub id: String,
    /// `ES`, `ESMS` or `PS`.
    pub kind: String,
    pub name: String,
    pub eligibility: Vec<EligibilityView>,
    pub va1_financed: Vec<String>,
    pub paid_own_va1_update: bool,
}

impl From<Client> for ClientView {
    fn from(c: Client) -> Self {
        Self {
            id: c.id.to_string(),
            kind: c.kind.as_str().to_owned(),
            name: c.name,
            eligibility: c
                .eligibility
                .into_iter()
                .map(|e| EligibilityView {
                    dispositif: e.dispositif.to_string(),
                    activity: e.activity,
                    cap_ht: e.cap_ht.to_string(),
                    cap_ttc: e.cap_ttc.map(|m| m.to_string()),
                    cap_va1va2_extra_ht: e.cap_va1va2_extra_ht.map(|m| m.to_string()),
                })
                .collect(),
            va1_financed: c.va1_financed.iter().map(ToString::to_string).collect(),
            paid_own_va1_update: c.paid_own_va1_update,
        }
    }
}

/// What an eligibility-base import read and changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaseImportView {
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Distinct structures.
    pub clients: usize,
    pub inserted: i64,
    pub updated: i64,
    /// Headers not recognised, ignored.
    pub ignored_columns: Vec<String>,
}

/// An ASP decision on a deposited request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `validate`, `send_back` (needs `motivation`) or `mark_paid`.
    pub decision: String,
    pub motivation: Option<String>,
}

impl DecisionBody {
    pub fn parse(&self) -> Result<RequestDecision, ApiError> {
        match self.decision.as_str() {
            "validate" => Ok(RequestDecision::Validate),
            "mark_paid" => Ok(RequestDecision::MarkPaid),
            "send_back" => {
                let motivation = self.motivation.clone().unwrap_or_default();
                if motivation.trim().is_empty() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidBody,
                        "un renvoi « à modifier » doit être motivé",
                    )
                    .with_field("motivation"));
                }
                Ok(RequestDecision::SendBack { motivation })
            }
            other => Err(ApiError::new(
                ErrorCode::InvalidBody,
                format!("décision « {other} » inconnue : validate, send_back ou mark_paid"),
            )
            .with_field("decision")),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RequestRef {
    pub organisation: String,
    pub id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchBody {
    /// At most 500 requests.
    pub requests: Vec<RequestRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub validated: usize,
    pub outcomes: Vec<crate::financing::BatchOutcome>,
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value = parse_json_body(body)?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("corps invalide : {e}")))
}

fn refused(simulation: &Simulation) -> ApiError {
    let view = SimulationView::from(simulation);
    let (code, message) = if !view.issues.is_empty() {
        (
            ErrorCode::InvalidBody,
            format!(
                "document invalide : {} problème(s), le premier en « {} » : {}",
                view.issues.len(),
                view.issues[0].pointer,
                view.issues[0].message_fr
            ),
        )
    } else {
        let rules: std::collections::BTreeSet<&str> = simulation
            .diagnostics
            .iter()
            .filter(|d| d.severity == segur_domain::rules::Severity::Error)
            .map(|d| d.rule.as_str())
            .collect();
        (
            ErrorCode::RulesFailed,
            format!(
                "dépôt refusé : la demande enfreint {}",
                rules.into_iter().collect::<Vec<_>>().join(", ")
            ),
        )
    };
    ApiError::new(code, message).with_details(serde_json::json!({
        "issues": view.issues,
        "diagnostics": view.diagnostics,
    }))
}

/// The JSON Schema of segur's payment-request document, format version 1.
#[utoipa::path(get, path = "/api/v1/financing/schema", tag = "financing",
    responses((status = 200, description = "JSON Schema (draft 2020-12)", body = Object)))]
pub async fn get_schema() -> Response {
    (
        [(header::CONTENT_TYPE, "application/schema+json")],
        SCHEMA_V1,
    )
        .into_response()
}

/// Checks a request document as a deposit would, without storing it (FIN-04): schema errors
/// with JSON pointers, then the BDC, FIN and PRE rules on my records with the document merged.
#[utoipa::path(post, path = "/api/v1/financing/simulate", tag = "financing", security(("session" = [])),
    request_body(content = Object, description = "A payment-request document (format segur.demande-financement.v1)", content_type = "application/json"),
    responses((status = 200, body = SimulationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn simulate(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> Result<Json<SimulationView>, ApiError> {
    let desk = editor_desk(&user, &state, Action::DepositFinancing)?;
    let doc = parse_json_body(&body)?;
    let simulation = desk.simulate(&state, &doc).await?;
    Ok(Json((&simulation).into()))
}

/// Deposits a request document (or an avenant to one sent back « à modifier »). Refused with
/// `invalid_body` or `rules_failed` and the reasons in `details` exactly when the simulator
/// says it would be.
#[utoipa::path(post, path = "/api/v1/financing/requests", tag = "financing", security(("session" = [])),
    request_body(content = Object, description = "A payment-request document (format segur.demande-financement.v1)", content_type = "application/json"),
    responses((status = 201, body = RequestDetailView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deposit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: Bytes,
) -> Result<(StatusCode, Json<RequestDetailView>), ApiError> {
    let desk = editor_desk(&user, &state, Action::DepositFinancing)?;
    let doc = parse_json_body(&body)?;
    let audit = meta.audit(&user, "financing.request.deposit", "");
    match desk.deposit(&state, &doc, &audit).await? {
        Deposit::Stored { record, simulation } => Ok((
            StatusCode::CREATED,
            Json(detail(&record, &simulation.diagnostics)),
        )),
        Deposit::Refused(simulation) => Err(refused(&simulation)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only requests of this status (`deposited`, `a_modifier`, `validated`, `decidee_et_payee`).
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn check_status(status: Option<&str>) -> Result<(), ApiError> {
    match status {
        None | Some("deposited" | "a_modifier" | "validated" | "decidee_et_payee") => Ok(()),
        Some(other) => Err(ApiError::invalid(
            "status",
            format!(
                "statut « {other} » inconnu : deposited, a_modifier, validated ou decidee_et_payee"
            ),
        )),
    }
}

fn is_asp(user: &UserRecord) -> bool {
    user.organisation_kind == OrganisationKind::Asp
}

/// Payment requests: an editor's own, or every editor's for the ASP (its queue), oldest first.
#[utoipa::path(get, path = "/api/v1/financing/requests", tag = "financing", security(("session" = [])),
    params(RequestsQuery),
    responses((status = 200, body = ListEnvelope<PaymentRequestView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> Result<Json<ListEnvelope<PaymentRequestView>>, ApiError> {
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    check_status(q.status.as_deref())?;
    if is_asp(&user) {
        let desk = asp_desk(&user, &state)?;
        let list = desk.queue(q.status.as_deref(), page).await?;
        return Ok(Json(ListEnvelope::from_paged(list, |r| (&r).into())));
    }
    let desk = editor_desk(&user, &state, Action::ReadFinancing)?;
    let all: Vec<RequestRecord> = desk
        .requests()
        .await?
        .into_iter()
        .filter(|r| {
            q.status
                .as_deref()
                .is_none_or(|s| r.request.status.as_str() == s)
        })
        .collect();
    Ok(Json(page_of(all, page, |r| (&r).into())))
}

fn page_of<S, T: ToSchema>(items: Vec<S>, page: Page, f: impl Fn(S) -> T) -> ListEnvelope<T> {
    let total = items.len() as i64;
    ListEnvelope {
        items: items
            .into_iter()
            .skip(page.offset as usize)
            .take(page.limit as usize)
            .map(f)
            .collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }
}

/// One request with its document and findings. Another editor's request is not found.
#[utoipa::path(get, path = "/api/v1/financing/requests/{organisation}/{id}", tag = "financing", security(("session" = [])),
    params(("organisation" = String, Path, description = "Editor id"), ("id" = String, Path, description = "Request id")),
    responses((status = 200, body = RequestDetailView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((organisation, id)): ApiPath<(String, String)>,
) -> Result<Json<RequestDetailView>, ApiError> {
    if is_asp(&user) {
        let desk = asp_desk(&user, &state)?;
        let (record, findings) = desk.request(&state, &organisation, &id).await?;
        return Ok(Json(detail(&record, &findings)));
    }
    let desk = editor_desk(&user, &state, Action::ReadFinancing)?;
    if organisation != desk.organisation_id() {
        return Err(ApiError::not_found("demande"));
    }
    let overview = desk.overview(&state).await?;
    let record = overview
        .requests
        .iter()
        .find(|r| r.request.id == id)
        .ok_or_else(|| ApiError::not_found("demande"))?;
    let subjects =
        segur_domain::rules::fin::request_subjects(&record.request.id, &record.request.order);
    let findings: Vec<Diagnostic> = overview
        .diagnostics
        .into_iter()
        .filter(|d| subjects.contains(&d.subject))
        .collect();
    Ok(Json(detail(record, &findings)))
}

/// ASP decision on a request: validate (refused while an error finding remains), send back
/// « à modifier » with a motivation, or mark a validated request « décidée et payée ».
#[utoipa::path(post, path = "/api/v1/financing/requests/{organisation}/{id}/decision", tag = "financing", security(("session" = [])),
    params(("organisation" = String, Path, description = "Editor id"), ("id" = String, Path, description = "Request id")),
    request_body = DecisionBody,
    responses((status = 200, body = RequestDetailView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath((organisation, id)): ApiPath<(String, String)>,
    body: Bytes,
) -> Result<Json<RequestDetailView>, ApiError> {
    let desk = asp_desk(&user, &state)?;
    let decision = json_body::<DecisionBody>(&body)?.parse()?;
    let audit = meta.audit(&user, "", "");
    desk.decide(&state, &organisation, &id, decision, &audit)
        .await?;
    let (record, findings) = desk.request(&state, &organisation, &id).await?;
    Ok(Json(detail(&record, &findings)))
}

/// ASP batch validation: each request without an error finding is validated; the others are
/// reported with the reason.
#[utoipa::path(post, path = "/api/v1/financing/requests/batch-validation", tag = "financing", security(("session" = [])),
    request_body = BatchBody,
    responses((status = 200, body = BatchView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_validate(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: Bytes,
) -> Result<Json<BatchView>, ApiError> {
    let desk = asp_desk(&user, &state)?;
    let batch: BatchBody = json_body(&body)?;
    if batch.requests.len() > 500 {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "au plus 500 demandes par lot",
        ));
    }
    let items: Vec<(String, String)> = batch
        .requests
        .into_iter()
        .map(|r| (r.organisation, r.id))
        .collect();
    let audit = meta.audit(&user, "", "");
    let outcomes = desk.batch_validate(&state, &items, &audit).await?;
    Ok(Json(BatchView {
        validated: outcomes.iter().filter(|o| o.outcome == "validated").count(),
        outcomes,
    }))
}

/// My orders (bons de commande) with the status of their advance and balance requests.
#[utoipa::path(get, path = "/api/v1/financing/orders", tag = "financing", security(("session" = [])),
    params(PageParams),
    responses((status = 200, body = ListEnvelope<OrderView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_orders(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<ListEnvelope<OrderView>>, ApiError> {
    let page = params.page()?;
    let desk = editor_desk(&user, &state, Action::ReadFinancing)?;
    let (orders, requests) = desk.orders().await?;
    Ok(Json(page_of(orders, page, |o| {
        OrderView::new(&o, &requests)
    })))
}

/// Requests per SONS, month of deposit and status: my own, or every editor's for the ASP.
#[utoipa::path(get, path = "/api/v1/financing/totals", tag = "financing", security(("session" = [])),
    responses((status = 200, body = Vec<FinancingTotalView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn totals(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<FinancingTotalView>>, ApiError> {
    let totals = if is_asp(&user) {
        asp_desk(&user, &state)?.totals().await?
    } else {
        editor_desk(&user, &state, Action::ReadFinancing)?
            .totals()
            .await?
    };
    Ok(Json(totals.iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientsQuery {
    /// Part of the identifier or name (accents and case ignored).
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Structures of the eligibility base with their caps per SONS (FIN-03) and va1 history (FIN-02).
#[utoipa::path(get, path = "/api/v1/financing/clients", tag = "financing", security(("session" = [])),
    params(ClientsQuery),
    responses((status = 200, body = ListEnvelope<ClientView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_clients(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    ApiQuery(q): ApiQuery<ClientsQuery>,
) -> Result<Json<ListEnvelope<ClientView>>, ApiError> {
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let list = state
        .store()
        .system()
        .list_clients(q.q.as_deref(), page)
        .await?;
    Ok(Json(ListEnvelope::from_paged(list, Into::into)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Read and check only; store nothing.
    pub dry_run: Option<bool>,
}

/// ASP: imports an eligibility base (CSV `;` or `,`, or XLSX, first sheet; header row then one
/// row per structure and SONS). Every error is located (sheet, row, column) in `details`.
#[utoipa::path(post, path = "/api/v1/financing/clients/import", tag = "financing", security(("session" = [])),
    params(ImportQuery),
    request_body(content = String, description = "CSV or XLSX file", content_type = "application/octet-stream"),
    responses((status = 200, body = BaseImportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_clients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<BaseImportView>, ApiError> {
    let desk = asp_desk(&user, &state)?;
    let dry_run = q.dry_run.unwrap_or(false);
    let audit = meta.audit(
        &user,
        "financing.clients.import",
        "base d'éligibilité (API)",
    );
    let (parsed, summary) = desk.import_base(&body, dry_run, &audit).await?;
    Ok(Json(BaseImportView {
        dry_run,
        rows: parsed.rows,
        clients: parsed.clients.len(),
        inserted: summary.map_or(0, |s| s.inserted),
        updated: summary.map_or(0, |s| s.updated),
        ignored_columns: parsed.ignored_columns,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Payment requests as CSV or XLSX: my own, or every editor's for the ASP.
#[utoipa::path(get, path = "/api/v1/financing/export", tag = "financing", security(("session" = [])),
    params(ExportQuery),
    responses((status = 200, description = "CSV (UTF-8, `;`) or XLSX file", content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let records = crate::financing::export_records(&state, &user).await?;
    crate::financing::export_response(&records, q.format.as_deref())
}

/// A pilot site's PV and whether the ANS validated it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PilotPvView {
    pub organisation: String,
    pub organisation_name: String,
    pub order: String,
    pub installed_on: Option<String>,
    pub pv_signed_on: Option<String>,
    pub ans_validated_on: Option<String>,
    pub va_signed_on: Option<String>,
}

impl From<&segur_store::PilotPv> for PilotPvView {
    fn from(p: &segur_store::PilotPv) -> Self {
        let pv = p.prestation.pv.as_ref();
        Self {
            organisation: p.organisation_id.clone(),
            organisation_name: p.organisation_name.clone(),
            order: p.prestation.order.clone(),
            installed_on: p.prestation.installed_on.map(|d| d.to_string()),
            pv_signed_on: pv.map(|pv| pv.signed_on.to_string()),
            ans_validated_on: pv.and_then(|pv| pv.ans_validated_on).map(|d| d.to_string()),
            va_signed_on: p.prestation.va_signed_on.map(|d| d.to_string()),
        }
    }
}

/// ANS: pilot sites' PVs, validated or awaiting validation (PRE-03).
#[utoipa::path(get, path = "/api/v1/financing/pilot-pvs", tag = "financing", security(("session" = [])),
    responses((status = 200, body = Vec<PilotPvView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_pilot_pvs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<PilotPvView>>, ApiError> {
    let desk = ans_pilot_desk(&user, &state)?;
    Ok(Json(desk.list().await?.iter().map(Into::into).collect()))
}

/// ANS: validates a pilot site's PV today (PRE-03); the editor's VA may then be signed. Only
/// the ANS records this date: editors' documents cannot set it.
#[utoipa::path(post, path = "/api/v1/financing/pilot-pvs/{organisation}/{order}/validation", tag = "financing", security(("session" = [])),
    params(("organisation" = String, Path, description = "Editor id"), ("order" = String, Path, description = "Order id")),
    responses((status = 200, body = PilotPvView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn validate_pilot_pv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath((organisation, order)): ApiPath<(String, String)>,
) -> Result<Json<PilotPvView>, ApiError> {
    let desk = ans_pilot_desk(&user, &state)?;
    let audit = meta.audit(&user, "", "");
    let prestation = desk.validate(&state, &organisation, &order, &audit).await?;
    let name = state
        .store()
        .system()
        .list_organisations(Some(OrganisationKind::Editor))
        .await?
        .into_iter()
        .find(|o| o.id == organisation)
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Json(
        (&segur_store::PilotPv {
            organisation_id: organisation,
            organisation_name: name,
            prestation,
        })
            .into(),
    ))
}
