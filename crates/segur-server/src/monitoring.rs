//! The ANS's monitoring desk (DEP-01, DEP-02, instruction throughput): gathers the counts
//! from the store, lets the domain compute the figures, and lays every figure out as a plain
//! table that the page, the JSON API and the CSV / XLSX exports share.

use std::collections::BTreeMap;

use jiff::civil::Date;
use segur_domain::calendar::Milestone;
use segur_domain::monitoring::{
    self, Dep01Line, Dep02Line, DispositifDeposits, RiskDistribution, WeekThroughput,
};
use segur_store::SystemStore;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// How far back the median time to decision looks [default: 26 weeks].
pub const DECISION_WINDOW_DAYS: i64 = 26 * 7;

/// The figures of the monitoring report at one date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    /// Date of the report (Europe/Paris).
    #[schema(value_type = String)]
    pub at: Date,
    /// DEP-01 at each dispositif's checkpoint.
    #[schema(value_type = Vec<Object>)]
    pub dep01: Vec<Dep01Line>,
    /// DEP-02 per editor and solution.
    #[schema(value_type = Vec<Object>)]
    pub dep02: Vec<Dep02Line>,
    #[schema(value_type = Vec<Object>)]
    pub risks: Vec<RiskDistribution>,
    #[schema(value_type = Vec<Object>)]
    pub deposits: Vec<DispositifDeposits>,
    #[schema(value_type = Vec<Object>)]
    pub throughput: Vec<WeekThroughput>,
    /// Median days from deposit to validation or rejection over the decision window.
    pub median_days_to_decision: Option<f64>,
    /// When these figures were computed (RFC 3339, UTC).
    pub computed_at: String,
    /// False when the data changed after `computed_at` and a newer report is being computed
    /// meanwhile: only when a report takes longer than `ServerConfig::monitoring_wait_limit`
    /// to compute (tens of thousands of candidatures), so that the page never waits for it.
    pub up_to_date: bool,
}

/// The last report of each recent date, keyed on the audit sequence it was computed at
/// (every change writes an audit event, so an equal sequence means the same data).
#[derive(Default)]
pub(crate) struct ReportCache {
    entries: std::sync::Mutex<Vec<CachedReport>>,
    /// One computation at a time: concurrent requests wait for it instead of repeating it.
    computing: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct CachedReport {
    at: Date,
    seq: i64,
    report: Report,
    took: std::time::Duration,
}

/// How many report dates are kept (the current day and a few chosen with `?date=`).
const CACHED_DATES: usize = 4;

impl ReportCache {
    fn get(&self, at: Date) -> Option<CachedReport> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().find(|c| c.at == at).cloned()
    }

    fn put(&self, cached: CachedReport) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|c| c.at != cached.at);
        entries.insert(0, cached);
        entries.truncate(CACHED_DATES);
    }

    /// Computes the report of `at` now (waiting for a computation under way, then reusing
    /// it when nothing changed since) and keeps it.
    async fn compute(
        &self,
        system: &SystemStore,
        settings: &segur_domain::rules::Settings,
        at: Date,
    ) -> Result<Report, segur_store::StoreError> {
        let _one_at_a_time = self.computing.lock().await;
        // Read before the queries: a change during the computation makes the next request
        // see a newer sequence, so it is never hidden.
        let seq = system.audit_seq().await?;
        if let Some(c) = self.get(at).filter(|c| c.seq == seq) {
            return Ok(c.report);
        }
        let started = std::time::Instant::now();
        let report = compute_report(system, settings, at).await?;
        self.put(CachedReport {
            at,
            seq,
            report: report.clone(),
            took: started.elapsed(),
        });
        Ok(report)
    }
}

/// Gathers the store's counts and lets the domain compute every figure.
async fn compute_report(
    system: &SystemStore,
    settings: &segur_domain::rules::Settings,
    at: Date,
) -> Result<Report, segur_store::StoreError> {
    let (checkpoints, d2s) = dispositif_dates(system, settings, at).await?;
    let d2_of = |code: &str| d2s.get(code).copied();
    let counts = system.monitoring_counts(&checkpoints).await?;
    let months = monitoring::report_months(at);
    let since = months.first().and_then(|m| m.first_day()).unwrap_or(at);
    let monthly = system.monthly_deposits(since).await?;
    let daily = system.daily_deposits().await?;
    let daily_decisions = system.daily_decisions().await?;
    let window_start = at
        .checked_sub(jiff::Span::new().days(DECISION_WINDOW_DAYS))
        .unwrap_or(at);
    let decisions = system.decisions_since(window_start).await?;

    let dep02 = monitoring::dep_02_report(&counts, &monthly, &d2_of, at, settings);
    Ok(Report {
        at,
        dep01: monitoring::dep_01_report(&counts, settings),
        risks: monitoring::risk_distribution(&dep02),
        dep02,
        deposits: monitoring::deposits_over_time(&counts, &daily, &d2_of),
        throughput: monitoring::throughput(&daily_decisions, &decisions),
        median_days_to_decision: monitoring::overall_median_days(&decisions),
        computed_at: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        up_to_date: true,
    })
}

/// The ANS's view over every editor's deposits and the instruction's decisions.
pub struct MonitoringDesk {
    pub(crate) system: SystemStore,
}

/// Each dispositif's DEP-01 checkpoint (from the settings) and D2 in force at `at`.
async fn dispositif_dates(
    system: &SystemStore,
    settings: &segur_domain::rules::Settings,
    at: Date,
) -> Result<(BTreeMap<String, Date>, BTreeMap<String, Date>), segur_store::StoreError> {
    let mut checkpoints = BTreeMap::new();
    let mut d2s = BTreeMap::new();
    for d in system.list_dispositifs().await? {
        let code = d.code.as_str().to_owned();
        if let Some(cp) = settings.get(&d.code).dep01_checkpoint {
            checkpoints.insert(code.clone(), cp);
        }
        let history = system.calendar_history(&code).await?;
        if let Some(d2) = history.in_force(at).and_then(|c| c.date(Milestone::D2)) {
            d2s.insert(code, d2.date());
        }
    }
    Ok((checkpoints, d2s))
}

/// Computes every open candidature's DEP-02 risk at `at` and stores it for the instruction
/// queue's risk filter and facet (`candidature_risks`). Run by the background worker at start
/// and every `ServerConfig::reminder_every`; the report it computes for that is kept, so the
/// monitoring page finds it ready. Returns how many candidatures were classified.
pub async fn refresh_risks(state: &AppState, at: Date) -> Result<usize, segur_store::StoreError> {
    let system = state.store().system();
    let report = state
        .monitoring_cache()
        .compute(&system, state.settings(), at)
        .await?;
    let risks: Vec<(String, segur_domain::rules::Risk)> = report
        .dep02
        .into_iter()
        .map(|l| (l.candidature_id, l.risk))
        .collect();
    system.replace_candidature_risks(&risks, at).await?;
    Ok(risks.len())
}

impl MonitoringDesk {
    /// The report of `at`: the kept one while nothing changed; otherwise a new one, computed
    /// now when the last computation was quick, or in the background when it took longer than
    /// `monitoring_wait_limit` (the kept one is shown meanwhile, marked `up_to_date: false`).
    pub async fn report(&self, state: &AppState, at: Date) -> Result<Report, ApiError> {
        let cache = state.monitoring_cache();
        let seq = self.system.audit_seq().await?;
        if let Some(kept) = cache.get(at) {
            if kept.seq == seq {
                return Ok(kept.report);
            }
            if kept.took >= state.config().monitoring_wait_limit {
                let background = state.clone();
                tokio::spawn(async move {
                    let cache = background.monitoring_cache();
                    // Already computing: that computation will do.
                    if cache.computing.try_lock().is_err() {
                        return;
                    }
                    let system = background.store().system();
                    if let Err(e) = cache.compute(&system, background.settings(), at).await {
                        tracing::warn!(error = %e, "monitoring report not refreshed");
                    }
                });
                let mut report = kept.report;
                report.up_to_date = false;
                return Ok(report);
            }
        }
        Ok(cache.compute(&self.system, state.settings(), at).await?)
    }
}

/// The tables of the report, each exportable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableName {
    /// DEP-01 at the checkpoint, per candidature.
    Dep01,
    /// DEP-02 per editor and solution.
    Dep02,
    /// Risk distribution per dispositif.
    Risks,
    /// Deposits per ISO week and dispositif, against D2.
    Deposits,
    /// Decisions per ISO week and median time to decision.
    Throughput,
}

impl TableName {
    pub const ALL: [Self; 5] = [
        Self::Dep01,
        Self::Dep02,
        Self::Risks,
        Self::Deposits,
        Self::Throughput,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dep01 => "dep01",
            Self::Dep02 => "dep02",
            Self::Risks => "risks",
            Self::Deposits => "deposits",
            Self::Throughput => "throughput",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// File name stem of the exports.
    fn file_stem(self) -> &'static str {
        match self {
            Self::Dep01 => "suivi-dep01-point-d-etape",
            Self::Dep02 => "suivi-dep02-avancement",
            Self::Risks => "suivi-repartition-des-risques",
            Self::Deposits => "suivi-depots-par-semaine",
            Self::Throughput => "suivi-instruction-par-semaine",
        }
    }

    /// Worksheet name (at most 31 characters).
    fn sheet(self) -> &'static str {
        match self {
            Self::Dep01 => "DEP-01",
            Self::Dep02 => "DEP-02",
            Self::Risks => "Risques",
            Self::Deposits => "Dépôts",
            Self::Throughput => "Instruction",
        }
    }
}

/// One cell: text, or a number (kept numeric in XLSX).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => format!("{n:.1}").replace('.', ","),
            Cell::Empty => String::new(),
        }
    }

    /// CSV keeps a dot as decimal separator for machines; French display uses a comma.
    fn csv(&self) -> String {
        match self {
            Cell::Number(n) if n.fract() != 0.0 => format!("{n:.1}"),
            other => other.display(),
        }
    }
}

fn num(n: u64) -> Cell {
    Cell::Number(n as f64)
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_date(d: Option<Date>) -> Cell {
    d.map_or(Cell::Empty, |d| text(d.to_string()))
}

fn yes_no(b: bool) -> Cell {
    text(if b { "oui" } else { "non" })
}

/// A table as headers and rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Report {
    pub fn table(&self, name: TableName) -> Table {
        let headers = |h: &[&str]| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match name {
            TableName::Dep01 => Table {
                caption: "DEP-01 — avancement minimal du dépôt au point d'étape".into(),
                headers: headers(&[
                    "Éditeur",
                    "Solution",
                    "Dispositif",
                    "Candidature",
                    "Point d'étape",
                    "Général va2 déposées",
                    "Général va2 attendues",
                    "Général va1 déposées",
                    "Général va1 attendues",
                    "Condition remplie",
                ]),
                rows: self
                    .dep01
                    .iter()
                    .map(|l| {
                        vec![
                            text(&l.editor_name),
                            text(&l.title),
                            text(&l.dispositif),
                            text(&l.candidature_id),
                            text(l.checkpoint.to_string()),
                            num(l.general_va2.deposited),
                            num(l.general_va2.expected),
                            l.general_va1.map_or(text("héritage"), |f| num(f.deposited)),
                            l.general_va1.map_or(text("héritage"), |f| num(f.expected)),
                            yes_no(l.met()),
                        ]
                    })
                    .collect(),
            },
            TableName::Dep02 => {
                let months = monitoring::report_months(self.at);
                let mut h = vec![
                    "Éditeur".to_owned(),
                    "Solution".to_owned(),
                    "Dispositif".to_owned(),
                    "Candidature".to_owned(),
                    "Preuves à déposer".to_owned(),
                    "Déposées".to_owned(),
                    "Validées".to_owned(),
                    "Taux réel (%)".to_owned(),
                ];
                h.extend(
                    months
                        .iter()
                        .map(|m| format!("Taux fin {} (%)", m.label_fr())),
                );
                h.extend([
                    "Dépôt complet prévu le".to_owned(),
                    "D2".to_owned(),
                    "Jours avant D2".to_owned(),
                    "Risque".to_owned(),
                ]);
                Table {
                    caption: "DEP-02 — avancement mensuel par éditeur et solution".into(),
                    headers: h,
                    rows: self
                        .dep02
                        .iter()
                        .map(|l| {
                            let mut row = vec![
                                text(&l.editor_name),
                                text(&l.title),
                                text(&l.dispositif),
                                text(&l.candidature_id),
                                num(l.to_deposit),
                                num(l.deposited),
                                num(l.validated),
                                num(u64::from(l.deposited_pct)),
                            ];
                            row.extend(l.pct_by_month.iter().map(|(_, p)| num(u64::from(*p))));
                            row.extend([
                                opt_date(l.expected_complete_on),
                                opt_date(l.d2),
                                l.days_to_d2.map_or(Cell::Empty, |d| Cell::Number(d as f64)),
                                text(l.risk.label_fr()),
                            ]);
                            row
                        })
                        .collect(),
                }
            }
            TableName::Risks => Table {
                caption: "DEP-02 — répartition des candidatures par risque de manquer D2".into(),
                headers: headers(&[
                    "Dispositif",
                    "Risque élevé",
                    "Risque modéré",
                    "Sans risque",
                    "Total",
                ]),
                rows: self
                    .risks
                    .iter()
                    .map(|r| {
                        vec![
                            text(&r.dispositif),
                            num(r.eleve),
                            num(r.modere),
                            num(r.sans_risque),
                            num(r.total()),
                        ]
                    })
                    .collect(),
            },
            TableName::Deposits => Table {
                caption: "Preuves déposées par semaine ISO et par dispositif, face à D2".into(),
                headers: headers(&[
                    "Dispositif",
                    "Semaine",
                    "Déposées dans la semaine",
                    "Cumul",
                    "Cumul (%)",
                    "Preuves à déposer",
                    "D2",
                ]),
                rows: self
                    .deposits
                    .iter()
                    .flat_map(|d| {
                        d.weeks.iter().map(move |w| {
                            vec![
                                text(&d.dispositif),
                                text(w.week.to_string()),
                                num(w.deposited),
                                num(w.cumulative),
                                num(u64::from(w.cumulative_pct)),
                                num(d.to_deposit),
                                opt_date(d.d2),
                            ]
                        })
                    })
                    .collect(),
            },
            TableName::Throughput => Table {
                caption: "Instruction — décisions par semaine ISO et délai médian".into(),
                headers: headers(&[
                    "Semaine",
                    "Preuves validées",
                    "Preuves refusées",
                    "Compléments demandés",
                    "Délai médian dépôt → décision (jours)",
                ]),
                rows: self
                    .throughput
                    .iter()
                    .map(|w| {
                        vec![
                            text(w.week.to_string()),
                            num(w.validated),
                            num(w.rejected),
                            num(w.complements),
                            w.median_days_to_decision.map_or(Cell::Empty, Cell::Number),
                        ]
                    })
                    .collect(),
            },
        }
    }
}

fn export_failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what} export");
    ApiError::new(ErrorCode::Internal, "export impossible")
}

/// CSV (`;`, UTF-8 with BOM so that spreadsheets read accents), as the other exports.
pub fn table_csv(t: &Table) -> Result<Vec<u8>, ApiError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(&t.headers)
            .map_err(|e| export_failed("csv", e))?;
        for row in &t.rows {
            w.write_record(row.iter().map(Cell::csv))
                .map_err(|e| export_failed("csv", e))?;
        }
        w.flush().map_err(|e| export_failed("csv", e))?;
    }
    Ok(out)
}

/// XLSX with one sheet; numbers stay numbers.
pub fn table_xlsx(t: &Table, sheet: &str) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| export_failed("xlsx", e);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, h, &bold)
            .map_err(fail)?;
    }
    for (i, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, col, s).map_err(fail)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, col, *n).map_err(fail)?;
                }
                Cell::Empty => {}
            }
        }
    }
    ws.autofit();
    book.save_to_buffer().map_err(fail)
}

/// A table as a download.
pub fn export_response(
    report: &Report,
    name: TableName,
    format: Option<&str>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let table = report.table(name);
    let (body, content_type, ext) = match format.unwrap_or("csv") {
        "csv" => (table_csv(&table)?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            table_xlsx(&table, name.sheet())?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(ApiError::invalid(
                "format",
                format!("format « {other} » inconnu : csv ou xlsx"),
            ));
        }
    };
    let disposition = format!(
        "attachment; filename=\"{}-{}.{ext}\"",
        name.file_stem(),
        report.at
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
