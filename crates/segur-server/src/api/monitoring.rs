//! The ANS's monitoring (DEP-01, DEP-02, instruction throughput) as JSON and as CSV / XLSX
//! exports of each table. ANS roles only: editors get 403, anonymous callers 401.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::ans_monitoring_desk;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, ApiUser};
use crate::monitoring::{Report, TableName};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Date of the report, `YYYY-MM-DD` (default: today, Europe/Paris).
    pub date: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitoringExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Date of the report, `YYYY-MM-DD` (default: today, Europe/Paris).
    pub date: Option<String>,
}

/// The report's date: the one asked for, else today.
pub fn report_date(state: &AppState, date: Option<&str>) -> Result<jiff::civil::Date, ApiError> {
    match date.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(state.today()),
        Some(d) => d
            .parse()
            .map_err(|_| ApiError::invalid("date", format!("« {d} » : date AAAA-MM-JJ attendue"))),
    }
}

/// ANS: the whole monitoring report (DEP-01 at the checkpoint, DEP-02 per editor and
/// solution, risk distribution, deposits per week against D2, instruction throughput).
#[utoipa::path(get, path = "/api/v1/monitoring", tag = "suivi", security(("session" = [])),
    params(ReportQuery),
    responses((status = 200, body = Report), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<Report>, ApiError> {
    let desk = ans_monitoring_desk(&user, &state)?;
    let at = report_date(&state, q.date.as_deref())?;
    Ok(Json(desk.report(&state, at).await?))
}

/// ANS: one table of the monitoring report as CSV (UTF-8 with BOM, `;`) or XLSX.
#[utoipa::path(get, path = "/api/v1/monitoring/{table}/export", tag = "suivi", security(("session" = [])),
    params(("table" = TableName, Path, description = "`dep01`, `dep02`, `risks`, `deposits` or `throughput`"), MonitoringExportQuery),
    responses((status = 200, description = "CSV (UTF-8, `;`) or XLSX file", content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_table(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(table): ApiPath<String>,
    ApiQuery(q): ApiQuery<MonitoringExportQuery>,
) -> Result<Response, ApiError> {
    let desk = ans_monitoring_desk(&user, &state)?;
    let name = TableName::parse(&table).ok_or_else(|| ApiError::not_found("tableau"))?;
    if let Some(f) = q.format.as_deref()
        && f != "csv"
        && f != "xlsx"
    {
        return Err(ApiError::invalid(
            "format",
            format!("format « {f} » inconnu : csv ou xlsx"),
        ));
    }
    let at = report_date(&state, q.date.as_deref())?;
    let report = desk.report(&state, at).await?;
    crate::monitoring::export_response(&report, name, q.format.as_deref())
}
