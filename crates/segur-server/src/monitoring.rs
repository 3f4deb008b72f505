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
/// and every `ServerConfig::reminder_every`; returns how many candidatures were classified.
pub async fn refresh_risks(state: &AppState, at: Date) -> Result<usize, segur_store::StoreError> {
    let system = state.store().system();
    let settings = state.settings();
    let (checkpoints, d2s) = dispositif_dates(&system, settings, at).await?;
    let d2_of = |code: &str| d2s.get(code).copied();
    let counts = system.monitoring_counts(&checkpoints).await?;
    // The risk needs the deposit ratio and the days to D2 only, not the monthly history.
    let lines = monitoring::dep_02_report(&counts, &[], &d2_of, at, settings);
    let risks: Vec<(String, segur_domain::rules::Risk)> = lines
        .into_iter()
        .map(|l| (l.candidature_id, l.risk))
        .collect();
    system.replace_candidature_risks(&risks, at).await?;
    Ok(risks.len())
}

impl MonitoringDesk {
    pub async fn report(&self, state: &AppState, at: Date) -> Result<Report, ApiError> {
        let settings = state.settings();
        let (checkpoints, d2s) = dispositif_dates(&self.system, settings, at).await?;
        let d2_of = |code: &str| d2s.get(code).copied();
        let counts = self.system.monitoring_counts(&checkpoints).await?;
        let months = monitoring::report_months(at);
        let since = months.first().and_then(|m| m.first_day()).unwrap_or(at);
        let monthly = self.system.monthly_deposits(since).await?;
        let daily = self.system.daily_deposits().await?;
        let daily_decisions = self.system.daily_decisions().await?;
        let window_start = at
            .checked_sub(jiff::Span::new().days(DECISION_WINDOW_DAYS))
            .unwrap_or(at);
        let decisions = self.system.decisions_since(window_start).await?;

        let dep02 = monitoring::dep_02_report(&counts, &monthly, &d2_of, at, settings);
        Ok(Report {
            at,
            dep01: monitoring::dep_01_report(&counts, settings),
            risks: monitoring::risk_distribution(&dep02),
            dep02,
            deposits: monitoring::deposits_over_time(&counts, &daily, &d2_of),
            throughput: monitoring::throughput(&daily_decisions, &decisions),
            median_days_to_decision: monitoring::overall_median_days(&decisions),
        })
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
