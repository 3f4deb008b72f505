//! Financing desks: what the API and the pages do with orders and payment requests.
//!
//! An [`EditorDesk`] is bound to one editor's tenant handle; an [`AspDesk`] reaches every
//! editor's records. Both are obtained only through [`crate::access`], after the policy
//! allowed the caller, so a handler without the right role cannot even name these methods.
//!
//! Checks run the domain's BDC, FIN and PRE rules. For an editor, on its own records only:
//! another editor's orders are never read, so FIN-01 (one financed Prestation per structure
//! and SONS) is checked across editors by the ASP's desk, where every record is visible.

use std::collections::{BTreeMap, BTreeSet};

use segur_domain::financing::eligibility::{LocatedError, ParsedBase, Table, parse_base};
use segur_domain::financing::request::{MAX_DOCUMENT_BYTES, Simulation, merge, simulate};
use segur_domain::financing::{
    Client, FinancingRecords, Order, PaymentRequest, Prestation, RequestDecision, StructureId,
};
use segur_domain::rules::{Diagnostic, Severity};
use segur_store::{
    AuditEntry, ClientImportSummary, FinancingTotal, Page, Paged, RequestRecord, StoreError,
    SystemStore, TenantStore,
};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Largest eligibility base accepted (CSV or XLSX), in bytes: the catalogue readers' limit.
pub const MAX_BASE_BYTES: usize = segur_catalogue::guard::MAX_WORKBOOK_BYTES;

/// Parses a request body as a JSON document, with a located French message on failure.
pub fn parse_json_body(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "document trop volumineux : au plus {} Kio",
                MAX_DOCUMENT_BYTES / 1024
            ),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidBody,
            format!(
                "JSON illisible (ligne {}, colonne {}) : {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// The clients of the base that the editor's orders name, plus the one a document names.
async fn clients_for(
    state: &AppState,
    tenant: &TenantStore,
    doc: Option<&serde_json::Value>,
) -> Result<Vec<Client>, StoreError> {
    let mut clients = tenant.clients_of_orders().await?;
    if let Some(id) = doc
        .and_then(|d| d["order"]["client"].as_str())
        .and_then(|s| StructureId::parse(s).ok())
        .filter(|id| !clients.iter().any(|c| &c.id == id))
    {
        let ids = BTreeSet::from([id.to_string()]);
        clients.extend(state.store().system().clients_by_ids(&ids).await?);
    }
    Ok(clients)
}

/// The ANS alone records when it validated a pilot PV (PRE-03): whatever date a document
/// states is replaced by the one on record for that order (or removed when there is none).
fn with_recorded_pilot_validation(
    doc: &serde_json::Value,
    prestations: &[Prestation],
) -> serde_json::Value {
    let mut doc = doc.clone();
    let order = doc["order"]["id"].as_str().unwrap_or_default().to_owned();
    let recorded = prestations
        .iter()
        .find(|p| p.order == order)
        .and_then(|p| p.pv.as_ref())
        .and_then(|pv| pv.ans_validated_on);
    if let Some(pv) = doc
        .get_mut("prestation")
        .and_then(|p| p.get_mut("pv"))
        .and_then(|pv| pv.as_object_mut())
    {
        match recorded {
            Some(d) => {
                pv.insert("ans_validated_on".into(), d.to_string().into());
            }
            None => {
                pv.remove("ans_validated_on");
            }
        }
    }
    doc
}

/// One editor's financing.
pub struct EditorDesk {
    pub(crate) tenant: TenantStore,
}

/// An editor's orders with everything the overview shows.
pub struct EditorOverview {
    pub orders: Vec<Order>,
    pub prestations: Vec<Prestation>,
    pub requests: Vec<RequestRecord>,
    pub diagnostics: Vec<Diagnostic>,
    pub totals: Vec<FinancingTotal>,
}

/// The outcome of a deposit: stored, or refused with the reasons.
pub enum Deposit {
    Stored {
        record: Box<RequestRecord>,
        simulation: Simulation,
    },
    Refused(Simulation),
}

impl EditorDesk {
    pub fn organisation_id(&self) -> &str {
        self.tenant.organisation_id()
    }

    async fn context(
        &self,
        state: &AppState,
        doc: Option<&serde_json::Value>,
    ) -> Result<
        (
            segur_domain::world::World,
            Vec<Client>,
            Vec<Order>,
            Vec<PaymentRequest>,
            Vec<Prestation>,
        ),
        ApiError,
    > {
        let world = self.tenant.financing_world().await?;
        let orders = self.tenant.list_orders().await?;
        let requests = self
            .tenant
            .list_requests()
            .await?
            .into_iter()
            .map(|r| r.request)
            .collect();
        let prestations = self.tenant.list_prestations().await?;
        let clients = clients_for(state, &self.tenant, doc).await?;
        Ok((world, clients, orders, requests, prestations))
    }

    /// Checks a document exactly as [`Self::deposit`] would, storing nothing.
    pub async fn simulate(
        &self,
        state: &AppState,
        doc: &serde_json::Value,
    ) -> Result<Simulation, ApiError> {
        let (world, clients, orders, requests, prestations) =
            self.context(state, Some(doc)).await?;
        let doc = &with_recorded_pilot_validation(doc, &prestations);
        let records = FinancingRecords {
            clients: &clients,
            orders: &orders,
            payment_requests: &requests,
            prestations: &prestations,
        };
        Ok(simulate(
            &world,
            records,
            doc,
            self.organisation_id(),
            state.today(),
            state.settings(),
        ))
    }

    /// Simulates, then stores the request if it is accepted (well-formed, no rule error).
    pub async fn deposit(
        &self,
        state: &AppState,
        doc: &serde_json::Value,
        audit: &AuditEntry,
    ) -> Result<Deposit, ApiError> {
        let (world, clients, orders, requests, prestations) =
            self.context(state, Some(doc)).await?;
        let doc = &with_recorded_pilot_validation(doc, &prestations);
        let records = FinancingRecords {
            clients: &clients,
            orders: &orders,
            payment_requests: &requests,
            prestations: &prestations,
        };
        let today = state.today();
        let simulation = simulate(
            &world,
            records,
            doc,
            self.organisation_id(),
            today,
            state.settings(),
        );
        let Some(parsed) = simulation
            .document
            .as_ref()
            .filter(|_| simulation.accepted())
        else {
            return Ok(Deposit::Refused(simulation));
        };
        let (merged, amendment) = merge(records, parsed, today)
            .map_err(|i| ApiError::new(ErrorCode::Conflict, i.message_fr))?;
        let stored = merged
            .payment_requests
            .iter()
            .find(|r| r.id == parsed.request.id)
            .cloned()
            .unwrap_or_else(|| parsed.request.clone());
        let record = self
            .tenant
            .deposit_request(parsed, &stored, amendment, audit)
            .await?;
        Ok(Deposit::Stored {
            record: Box::new(record),
            simulation,
        })
    }

    /// Orders, requests, Prestations, their findings and totals.
    pub async fn overview(&self, state: &AppState) -> Result<EditorOverview, ApiError> {
        let world = self.tenant.financing_world().await?;
        let orders = self.tenant.list_orders().await?;
        let records = self.tenant.list_requests().await?;
        let prestations = self.tenant.list_prestations().await?;
        let clients = clients_for(state, &self.tenant, None).await?;
        let requests: Vec<PaymentRequest> = records.iter().map(|r| r.request.clone()).collect();
        let diagnostics = segur_domain::rules::fin::check_records(
            &world,
            FinancingRecords {
                clients: &clients,
                orders: &orders,
                payment_requests: &requests,
                prestations: &prestations,
            },
            state.today(),
            state.settings(),
        );
        Ok(EditorOverview {
            orders,
            prestations,
            requests: records,
            diagnostics,
            totals: self.tenant.financing_totals().await?,
        })
    }

    /// The editor's requests, in deposit order.
    pub async fn requests(&self) -> Result<Vec<RequestRecord>, ApiError> {
        Ok(self.tenant.list_requests().await?)
    }

    /// The editor's orders with its requests (for their status).
    pub async fn orders(&self) -> Result<(Vec<Order>, Vec<RequestRecord>), ApiError> {
        Ok((
            self.tenant.list_orders().await?,
            self.tenant.list_requests().await?,
        ))
    }

    pub async fn totals(&self) -> Result<Vec<FinancingTotal>, ApiError> {
        Ok(self.tenant.financing_totals().await?)
    }
}

/// The ASP's desk over every editor's records.
pub struct AspDesk {
    pub(crate) system: SystemStore,
}

/// The outcome of one request in a batch validation.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BatchOutcome {
    pub organisation: String,
    pub id: String,
    /// `validated`, or the stable error code that prevented it.
    pub outcome: String,
    pub message: String,
}

/// Subject prefixes used on the ASP side, where identifiers are unique per editor only.
fn scoped(org: &str, id: &str) -> String {
    format!("{org}/{id}")
}

impl AspDesk {
    /// Every editor's records with identifiers scoped by editor (`ed-a/BC-1`), checked
    /// together: findings per (editor, request id).
    pub async fn findings(
        &self,
        state: &AppState,
    ) -> Result<BTreeMap<(String, String), Vec<Diagnostic>>, ApiError> {
        let world = self.system.financing_world().await?;
        let all = self.system.all_financing().await?;
        let clients = self.system.all_clients().await?;
        let orders: Vec<Order> = all
            .orders
            .iter()
            .map(|o| Order {
                id: scoped(&o.editor, &o.id),
                ..o.clone()
            })
            .collect();
        let payment_requests: Vec<PaymentRequest> = all
            .payment_requests
            .iter()
            .map(|(org, r)| PaymentRequest {
                id: scoped(org, &r.id),
                order: scoped(org, &r.order),
                ..r.clone()
            })
            .collect();
        let prestations: Vec<Prestation> = all
            .prestations
            .iter()
            .map(|(org, p)| Prestation {
                order: scoped(org, &p.order),
                ..p.clone()
            })
            .collect();
        let diags = segur_domain::rules::fin::check_records(
            &world,
            FinancingRecords {
                clients: &clients,
                orders: &orders,
                payment_requests: &payment_requests,
                prestations: &prestations,
            },
            state.today(),
            state.settings(),
        );
        let mut out: BTreeMap<(String, String), Vec<Diagnostic>> = BTreeMap::new();
        for (org, r) in &all.payment_requests {
            let subjects = segur_domain::rules::fin::request_subjects(
                &scoped(org, &r.id),
                &scoped(org, &r.order),
            );
            let mine: Vec<Diagnostic> = diags
                .iter()
                .filter(|d| subjects.contains(&d.subject))
                .cloned()
                .collect();
            out.insert((org.clone(), r.id.clone()), mine);
        }
        Ok(out)
    }

    pub async fn queue(
        &self,
        status: Option<&str>,
        page: Page,
    ) -> Result<Paged<RequestRecord>, ApiError> {
        Ok(self.system.list_requests(status, page).await?)
    }

    pub async fn request(
        &self,
        state: &AppState,
        organisation: &str,
        id: &str,
    ) -> Result<(RequestRecord, Vec<Diagnostic>), ApiError> {
        let record = self
            .system
            .get_request(organisation, id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::not_found("demande"),
                e => e.into(),
            })?;
        let findings = self
            .findings(state)
            .await?
            .remove(&(organisation.to_owned(), id.to_owned()))
            .unwrap_or_default();
        Ok((record, findings))
    }

    /// Applies a decision. Validating a request with an error finding is refused: the agent
    /// sends it back instead, with the rule in the motivation.
    pub async fn decide(
        &self,
        state: &AppState,
        organisation: &str,
        id: &str,
        decision: RequestDecision,
        audit: &AuditEntry,
    ) -> Result<RequestRecord, ApiError> {
        if decision == RequestDecision::Validate {
            let (_, findings) = self.request(state, organisation, id).await?;
            let errors: Vec<&str> = findings
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.rule.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if !errors.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::RulesFailed,
                    format!(
                        "validation impossible : la demande enfreint {} ; renvoyez-la « à modifier »",
                        errors.join(", ")
                    ),
                ));
            }
        }
        self.system
            .decide_request(organisation, id, decision, audit)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::not_found("demande"),
                e => e.into(),
            })
    }

    /// Validates each request that can be, reporting each outcome.
    pub async fn batch_validate(
        &self,
        state: &AppState,
        items: &[(String, String)],
        audit: &AuditEntry,
    ) -> Result<Vec<BatchOutcome>, ApiError> {
        let findings = self.findings(state).await?;
        let mut out = Vec::with_capacity(items.len());
        for (org, id) in items {
            let errors: BTreeSet<&str> = findings
                .get(&(org.clone(), id.clone()))
                .into_iter()
                .flatten()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.rule.as_str())
                .collect();
            let (outcome, message) = if !findings.contains_key(&(org.clone(), id.clone())) {
                ("not_found".to_owned(), "demande introuvable".to_owned())
            } else if !errors.is_empty() {
                (
                    ErrorCode::RulesFailed.as_str().to_owned(),
                    format!(
                        "non validée : {}",
                        errors.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                )
            } else {
                match self
                    .system
                    .decide_request(org, id, RequestDecision::Validate, audit)
                    .await
                {
                    Ok(_) => ("validated".to_owned(), "validée".to_owned()),
                    Err(e) => {
                        let e = ApiError::from(e);
                        (e.code.as_str().to_owned(), e.message)
                    }
                }
            };
            out.push(BatchOutcome {
                organisation: org.clone(),
                id: id.clone(),
                outcome,
                message,
            });
        }
        Ok(out)
    }

    pub async fn totals(&self) -> Result<Vec<FinancingTotal>, ApiError> {
        Ok(self.system.financing_totals().await?)
    }

    /// Reads an eligibility base (CSV or XLSX, told apart by content) and, unless `dry_run`,
    /// stores its clients.
    pub async fn import_base(
        &self,
        bytes: &[u8],
        dry_run: bool,
        audit: &AuditEntry,
    ) -> Result<(ParsedBase, Option<ClientImportSummary>), BaseImportError> {
        let parsed = read_base(bytes)?;
        if dry_run {
            return Ok((parsed, None));
        }
        let summary = self
            .system
            .import_clients(&parsed.clients, audit)
            .await
            .map_err(|e| BaseImportError::Store(e.into()))?;
        Ok((parsed, Some(summary)))
    }
}

/// Why an eligibility base was not imported.
pub enum BaseImportError {
    /// Unreadable file: not CSV nor XLSX, corrupt, too large.
    Unreadable(String),
    /// Cells in error, each located.
    Invalid(Vec<LocatedError>),
    Store(ApiError),
}

impl From<BaseImportError> for ApiError {
    fn from(e: BaseImportError) -> Self {
        match e {
            BaseImportError::Unreadable(m) => ApiError::new(ErrorCode::InvalidBody, m),
            BaseImportError::Invalid(errors) => {
                let first = errors.first().map(ToString::to_string).unwrap_or_default();
                ApiError::new(
                    ErrorCode::InvalidBody,
                    format!(
                        "{} erreur(s) dans la base ; première : {first}",
                        errors.len()
                    ),
                )
                .with_details(serde_json::json!({ "errors": errors }))
            }
            BaseImportError::Store(e) => e,
        }
    }
}

/// Cells of a CSV file (`;`, `,` or tab; UTF-8 or Windows-1252) or of the first sheet of an
/// XLSX workbook, read by the catalogue importer's readers: the same hostile-input guard (zip
/// bombs, lying headers, DTDs, encrypted or legacy workbooks) and limits apply.
pub fn read_table(bytes: &[u8]) -> Result<Table, String> {
    use segur_catalogue::grid;
    use segur_catalogue::guard::{Sniffed, sniff};
    if bytes.is_empty() {
        return Err("fichier vide".into());
    }
    match sniff(bytes) {
        Sniffed::Zip | Sniffed::Cfb => {
            let g = grid::read_xlsx(bytes, None, &[]).map_err(|e| e.to_string())?;
            Ok(Table {
                sheet: Some(g.sheet),
                rows: g.rows,
            })
        }
        Sniffed::Other => {
            let g = grid::read_csv(bytes, "CSV").map_err(|e| e.to_string())?;
            Ok(Table {
                sheet: None,
                rows: g.rows,
            })
        }
    }
}

/// Reads and parses an eligibility base.
pub fn read_base(bytes: &[u8]) -> Result<ParsedBase, BaseImportError> {
    let table = read_table(bytes).map_err(BaseImportError::Unreadable)?;
    parse_base(&table).map_err(BaseImportError::Invalid)
}

/// The requests a user may export: an editor's own, or every editor's for the ASP.
pub async fn export_records(
    state: &AppState,
    user: &segur_store::UserRecord,
) -> Result<Vec<RequestRecord>, ApiError> {
    if user.organisation_kind == segur_domain::org::OrganisationKind::Asp {
        let desk = crate::access::asp_desk(user, state)?;
        let mut all = Vec::new();
        let mut page = Page::max();
        loop {
            let chunk = desk.queue(None, page).await?;
            let n = chunk.items.len() as i64;
            all.extend(chunk.items);
            if n < page.limit || all.len() as i64 >= chunk.total {
                break;
            }
            page.offset += n;
        }
        Ok(all)
    } else {
        let desk =
            crate::access::editor_desk(user, state, segur_domain::authz::Action::ReadFinancing)?;
        Ok(desk.tenant.list_requests().await?)
    }
}

const EXPORT_HEADERS: [&str; 13] = [
    "Éditeur",
    "Demande",
    "Commande",
    "Type",
    "Statut",
    "Motif",
    "Client",
    "SONS",
    "Déposée le",
    "Montant HT",
    "Montant TTC",
    "Avenants",
    "Décidée le",
];

fn export_row(r: &RequestRecord) -> [String; 13] {
    let motivation = match &r.request.status {
        segur_domain::financing::RequestStatus::AModifier { motivation } => motivation.clone(),
        _ => String::new(),
    };
    [
        r.organisation_name.clone(),
        r.request.id.clone(),
        r.request.order.clone(),
        r.request.kind.label_fr().to_owned(),
        r.request.status.label_fr().to_owned(),
        motivation,
        r.client.clone(),
        r.dispositif.clone(),
        r.request.deposited_on.to_string(),
        r.amount_ht.to_string(),
        r.amount_ttc.to_string(),
        r.request.amendments.len().to_string(),
        r.decided_at.clone().unwrap_or_default(),
    ]
}

/// A CSV (`;`, UTF-8 with BOM so that spreadsheets read accents) or XLSX download.
pub fn export_response(
    records: &[RequestRecord],
    format: Option<&str>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    match format.unwrap_or("csv") {
        "csv" => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(b';')
                    .from_writer(&mut out);
                let fail = |e: csv::Error| {
                    tracing::error!(error = %e, "csv export");
                    ApiError::new(ErrorCode::Internal, "export impossible")
                };
                w.write_record(EXPORT_HEADERS).map_err(fail)?;
                for r in records {
                    w.write_record(export_row(r)).map_err(fail)?;
                }
                w.flush().map_err(|e| fail(e.into()))?;
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"demandes-financement.csv\"",
                    ),
                ],
                out,
            )
                .into_response())
        }
        "xlsx" => {
            let bytes = requests_xlsx(records).map_err(|e| {
                tracing::error!(error = %e, "xlsx export");
                ApiError::new(ErrorCode::Internal, "export impossible")
            })?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"demandes-financement.xlsx\"",
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(ApiError::invalid(
            "format",
            format!("format « {other} » inconnu : csv ou xlsx"),
        )),
    }
}

fn requests_xlsx(records: &[RequestRecord]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Demandes")?;
    let bold = Format::new().set_bold();
    let euros = Format::new().set_num_format("#,##0.00 €");
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in records.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, v) in export_row(r).iter().enumerate() {
            let col = c as u16;
            match c {
                9 => sheet.write_number_with_format(
                    row,
                    col,
                    r.amount_ht.cents() as f64 / 100.0,
                    &euros,
                )?,
                10 => sheet.write_number_with_format(
                    row,
                    col,
                    r.amount_ttc.cents() as f64 / 100.0,
                    &euros,
                )?,
                _ => sheet.write_string(row, col, v)?,
            };
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

/// The ANS's view of pilot sites' PVs (PRE-03).
pub struct AnsPilotDesk {
    pub(crate) system: SystemStore,
}

impl AnsPilotDesk {
    pub async fn list(&self) -> Result<Vec<segur_store::PilotPv>, ApiError> {
        Ok(self.system.list_pilot_pvs().await?)
    }

    pub async fn validate(
        &self,
        state: &AppState,
        organisation: &str,
        order: &str,
        audit: &AuditEntry,
    ) -> Result<Prestation, ApiError> {
        self.system
            .validate_pilot_pv(organisation, order, state.today(), audit)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::not_found("prestation"),
                e => e.into(),
            })
    }
}
