//! `/suivi`: the ANS's monitoring of the *plan de sécurisation* (DEP-01, DEP-02) and of the
//! instruction. Server-rendered SVG charts (no script, no inline style), each with a title, a
//! description and the same figures in a table next to it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::PageUser;
use crate::monitoring::{Cell, Report, Table, TableName};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// One rectangle of a bar chart.
pub struct SvgBar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub class: &'static str,
    /// Tooltip: « label : value ».
    pub tip: String,
}

/// An axis label under the chart.
pub struct SvgLabel {
    pub x: u32,
    pub text: String,
}

/// An accessible chart: `role="img"`, `<title>`, `<desc>`; the table beside it holds the data.
pub struct SvgChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub baseline: u32,
    pub bars: Vec<SvgBar>,
    /// `points` of a polyline (cumulative series), if any.
    pub line: Option<String>,
    /// Vertical markers (D2): x and label.
    pub markers: Vec<SvgLabel>,
    pub labels: Vec<SvgLabel>,
    pub empty: bool,
}

const PLOT_HEIGHT: u32 = 160;
const TOP: u32 = 12;

fn scale(value: f64, max: f64) -> u32 {
    if max <= 0.0 || !value.is_finite() {
        return 0;
    }
    ((value / max).clamp(0.0, 1.0) * f64::from(PLOT_HEIGHT)).round() as u32
}

/// Bars of risks per dispositif, three per group.
fn risk_chart(report: &Report) -> SvgChart {
    let max = report
        .risks
        .iter()
        .map(|r| r.eleve.max(r.modere).max(r.sans_risque))
        .max()
        .unwrap_or(0) as f64;
    let (bar, gap) = (18u32, 24u32);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    let mut x = 10u32;
    let baseline = TOP + PLOT_HEIGHT;
    for r in &report.risks {
        labels.push(SvgLabel {
            x,
            text: r.dispositif.clone(),
        });
        for (value, class, label) in [
            (r.eleve, "bar-eleve", "risque élevé"),
            (r.modere, "bar-modere", "risque modéré"),
            (r.sans_risque, "bar-ok", "sans risque"),
        ] {
            let h = scale(value as f64, max);
            bars.push(SvgBar {
                x,
                y: baseline - h,
                width: bar,
                height: h,
                class,
                tip: format!("{} — {label} : {value}", r.dispositif),
            });
            x += bar + 2;
        }
        x += gap + 60;
    }
    let desc = report
        .risks
        .iter()
        .map(|r| {
            format!(
                "{} : {} à risque élevé, {} à risque modéré, {} sans risque",
                r.dispositif, r.eleve, r.modere, r.sans_risque
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    SvgChart {
        id: "chart-risks".into(),
        title: "Candidatures par risque de manquer D2, par dispositif".into(),
        desc: if desc.is_empty() {
            "Aucune candidature ouverte.".into()
        } else {
            desc
        },
        width: x.max(200),
        height: baseline + 30,
        baseline,
        empty: report.risks.is_empty(),
        bars,
        line: None,
        markers: vec![],
        labels,
    }
}

/// Cumulative deposit ratio per ISO week of one dispositif, with D2 as a dashed marker.
fn deposits_chart(index: usize, d: &segur_domain::monitoring::DispositifDeposits) -> SvgChart {
    let step = 14u32;
    let baseline = TOP + PLOT_HEIGHT;
    let mut weeks: Vec<segur_domain::monitoring::IsoWeek> =
        d.weeks.iter().map(|w| w.week).collect();
    if let Some(d2) = d.d2_week
        && weeks.last().is_none_or(|w| *w < d2)
        && let (Some(first), Some(monday)) = (weeks.first().copied(), d2.monday())
    {
        // Extend the axis to D2 so that the remaining time shows.
        let mut day = first.monday().unwrap_or(monday);
        let mut guard = 0;
        while day < monday && guard < 260 {
            day = day.checked_add(jiff::Span::new().days(7)).unwrap_or(monday);
            let w = segur_domain::monitoring::IsoWeek::of(day);
            if !weeks.contains(&w) {
                weeks.push(w);
            }
            guard += 1;
        }
        weeks.sort();
    }
    let x_of = |i: usize| 10 + u32::try_from(i).unwrap_or(0) * step;
    let points: Vec<String> = d
        .weeks
        .iter()
        .filter_map(|w| {
            let i = weeks.iter().position(|k| *k == w.week)?;
            let y = baseline - scale(f64::from(w.cumulative_pct), 100.0);
            Some(format!("{},{y}", x_of(i)))
        })
        .collect();
    let markers = d
        .d2_week
        .and_then(|d2| weeks.iter().position(|k| *k == d2))
        .map(|i| SvgLabel {
            x: x_of(i),
            text: format!("D2 ({})", d.d2.map(|d| d.to_string()).unwrap_or_default()),
        })
        .into_iter()
        .collect();
    let mut labels = Vec::new();
    for (i, w) in weeks.iter().enumerate() {
        if i % 8 == 0 {
            labels.push(SvgLabel {
                x: x_of(i),
                text: w.to_string(),
            });
        }
    }
    let last = d.weeks.last();
    let desc = match (last, d.d2) {
        (Some(l), Some(d2)) => format!(
            "{} : {} % des {} preuves à déposer déposées en {} ; D2 le {d2}.",
            d.dispositif, l.cumulative_pct, d.to_deposit, l.week
        ),
        (Some(l), None) => format!(
            "{} : {} % des {} preuves à déposer déposées en {}.",
            d.dispositif, l.cumulative_pct, d.to_deposit, l.week
        ),
        (None, _) => format!("{} : aucun dépôt daté.", d.dispositif),
    };
    SvgChart {
        id: format!("chart-deposits-{index}"),
        title: format!(
            "{} — cumul des preuves déposées (%) par semaine, face à D2",
            d.dispositif
        ),
        desc,
        width: x_of(weeks.len()).max(200) + 80,
        height: baseline + 30,
        baseline,
        empty: d.weeks.is_empty(),
        bars: vec![],
        line: (!points.is_empty()).then(|| points.join(" ")),
        markers,
        labels,
    }
}

/// Validated items per ISO week.
fn throughput_chart(report: &Report) -> SvgChart {
    let step = 16u32;
    let baseline = TOP + PLOT_HEIGHT;
    let max = report
        .throughput
        .iter()
        .map(|w| w.validated)
        .max()
        .unwrap_or(0) as f64;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, w) in report.throughput.iter().enumerate() {
        let x = 10 + u32::try_from(i).unwrap_or(0) * step;
        let h = scale(w.validated as f64, max);
        bars.push(SvgBar {
            x,
            y: baseline - h,
            width: step - 4,
            height: h,
            class: "bar",
            tip: format!("{} : {} preuve(s) validée(s)", w.week, w.validated),
        });
        if i % 6 == 0 {
            labels.push(SvgLabel {
                x,
                text: w.week.to_string(),
            });
        }
    }
    let total: u64 = report.throughput.iter().map(|w| w.validated).sum();
    let median = report
        .median_days_to_decision
        .map(|m| format!("{m:.1}").replace('.', ","))
        .unwrap_or_else(|| "—".into());
    SvgChart {
        id: "chart-throughput".into(),
        title: "Preuves validées par semaine ISO".into(),
        desc: format!(
            "{total} preuve(s) validée(s) sur {} semaine(s) ; délai médian du dépôt à la décision : {median} jour(s).",
            report.throughput.len()
        ),
        width: (10 + u32::try_from(report.throughput.len()).unwrap_or(0) * step).max(200) + 60,
        height: baseline + 30,
        baseline,
        empty: report.throughput.is_empty(),
        bars,
        line: None,
        markers: vec![],
        labels,
    }
}

/// A table as shown on the page (cells already formatted in French).
pub struct ShownTable {
    pub name: &'static str,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Rows left out of the page (all are in the exports).
    pub hidden: usize,
}

/// Rows shown on the page per table [default]; the exports have them all.
pub const PAGE_ROWS: usize = 200;

fn shown(name: TableName, t: Table) -> ShownTable {
    let hidden = t.rows.len().saturating_sub(PAGE_ROWS);
    ShownTable {
        name: name.as_str(),
        caption: t.caption,
        headers: t.headers,
        rows: t
            .rows
            .into_iter()
            .take(PAGE_ROWS)
            .map(|r| r.iter().map(Cell::display).collect())
            .collect(),
        hidden,
    }
}

#[derive(Template)]
#[template(path = "monitoring.html")]
pub struct MonitoringPage {
    pub layout: Layout,
    pub at: String,
    pub date_param: String,
    /// When the figures were computed, in Paris time.
    pub computed_at: String,
    pub up_to_date: bool,
    pub dep01_checkpoints: Vec<String>,
    pub dep01_met: usize,
    pub dep01_total: usize,
    pub dep01: ShownTable,
    pub dep02: ShownTable,
    pub risks: ShownTable,
    pub risk_chart: SvgChart,
    pub deposits: ShownTable,
    pub deposit_charts: Vec<SvgChart>,
    pub throughput: ShownTable,
    pub throughput_chart: SvgChart,
    pub median: String,
}

#[derive(Debug, Deserialize)]
pub struct MonitoringQuery {
    pub date: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<MonitoringQuery>,
) -> Result<Response, PageError> {
    let desk = crate::access::ans_monitoring_desk(&user, &state)?;
    let at = crate::api::monitoring::report_date(&state, q.date.as_deref())?;
    let report = desk.report(&state, at).await?;
    let mut checkpoints: Vec<String> = report
        .dep01
        .iter()
        .map(|l| l.checkpoint.strftime("%d/%m/%Y").to_string())
        .collect();
    checkpoints.sort();
    checkpoints.dedup();
    let page = MonitoringPage {
        layout: Layout::new("Suivi du plan de sécurisation", Some(&user), "monitoring"),
        at: at.strftime("%d/%m/%Y").to_string(),
        date_param: at.to_string(),
        computed_at: report
            .computed_at
            .parse::<jiff::Timestamp>()
            .map(|t| {
                t.to_zoned(segur_domain::calendar::paris())
                    .strftime("%d/%m/%Y à %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| report.computed_at.clone()),
        up_to_date: report.up_to_date,
        dep01_checkpoints: checkpoints,
        dep01_met: report.dep01.iter().filter(|l| l.met()).count(),
        dep01_total: report.dep01.len(),
        dep01: shown(TableName::Dep01, report.table(TableName::Dep01)),
        dep02: shown(TableName::Dep02, report.table(TableName::Dep02)),
        risks: shown(TableName::Risks, report.table(TableName::Risks)),
        risk_chart: risk_chart(&report),
        deposits: shown(TableName::Deposits, report.table(TableName::Deposits)),
        deposit_charts: report
            .deposits
            .iter()
            .enumerate()
            .map(|(i, d)| deposits_chart(i, d))
            .collect(),
        throughput: shown(TableName::Throughput, report.table(TableName::Throughput)),
        throughput_chart: throughput_chart(&report),
        median: report
            .median_days_to_decision
            .map(|m| format!("{m:.1}").replace('.', ","))
            .unwrap_or_else(|| "—".into()),
    };
    Ok(render_html(&page))
}
