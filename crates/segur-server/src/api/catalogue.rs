//! Catalogue: dispositifs, calendars, REM versions, requirements. Public data (the ANS publishes
//! REMs and calendars), so no sign-in is needed.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::PageParams;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{
    CalendarView, DispositifView, ListEnvelope, RemVersionSummaryView, RemVersionView,
    RequirementHitView,
};

/// Every dispositif (SONS).
#[utoipa::path(get, path = "/api/v1/dispositifs", tag = "catalogue",
    responses((status = 200, body = [DispositifView])))]
pub async fn list_dispositifs(
    State(state): State<AppState>,
) -> Result<Json<Vec<DispositifView>>, ApiError> {
    let list = state.store().system().list_dispositifs().await?;
    Ok(Json(list.iter().map(Into::into).collect()))
}

/// One dispositif by code, e.g. `MDV-LGC-Va2`.
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code, e.g. MDV-LGC-Va2")),
    responses((status = 200, body = DispositifView), (status = 404, body = ErrorBody)))]
pub async fn get_dispositif(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DispositifView>, ApiError> {
    let d = state.store().system().get_dispositif(&code).await?;
    Ok(Json((&d).into()))
}

/// The calendar in force (CAL-02) and its amendment history.
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/calendar", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code")),
    responses((status = 200, body = CalendarView), (status = 404, body = ErrorBody)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CalendarView>, ApiError> {
    let system = state.store().system();
    system.get_dispositif(&code).await?;
    let history = system.calendar_history(&code).await?;
    Ok(Json(CalendarView::new(&code, &history, state.today())))
}

/// REM versions of a dispositif.
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code")),
    responses((status = 200, body = [RemVersionSummaryView]), (status = 404, body = ErrorBody)))]
pub async fn list_rem_versions(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<RemVersionSummaryView>>, ApiError> {
    let system = state.store().system();
    system.get_dispositif(&code).await?;
    let list = system.list_rem_versions(&code).await?;
    Ok(Json(list.iter().map(Into::into).collect()))
}

/// A whole REM version, requirements in REM order.
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions/{version}", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code"), ("version" = String, Path, description = "REM version")),
    responses((status = 200, body = RemVersionView), (status = 404, body = ErrorBody)))]
pub async fn get_rem_version(
    State(state): State<AppState>,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> Result<Json<RemVersionView>, ApiError> {
    let rem = state
        .store()
        .system()
        .get_rem_version(&code, &version)
        .await?;
    Ok(Json((&rem).into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementSearch {
    /// Requirement ID (or part of it, e.g. `SSI/GEN`) or words of the énoncé.
    pub q: Option<String>,
    /// Restrict to one dispositif.
    pub dispositif: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Requirement search by ID or text, across published REM versions.
#[utoipa::path(get, path = "/api/v1/requirements", tag = "catalogue",
    params(RequirementSearch),
    responses((status = 200, body = ListEnvelope<RequirementHitView>), (status = 400, body = ErrorBody)))]
pub async fn search_requirements(
    State(state): State<AppState>,
    ApiQuery(search): ApiQuery<RequirementSearch>,
) -> Result<Json<ListEnvelope<RequirementHitView>>, ApiError> {
    let page = PageParams {
        limit: search.limit,
        offset: search.offset,
    }
    .page()?;
    let q = search.q.as_deref().unwrap_or("").trim();
    if q.chars().count() > 200 {
        return Err(ApiError::invalid(
            "q",
            "recherche trop longue (200 caractères au plus)",
        ));
    }
    let hits = state
        .store()
        .system()
        .search_requirements(q, search.dispositif.as_deref(), page)
        .await?;
    Ok(Json(ListEnvelope::from_paged(hits, Into::into)))
}
