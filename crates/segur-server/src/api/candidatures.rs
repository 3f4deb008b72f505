//! Candidatures of the caller's organisation (or, for the ANS, any candidature), their proof
//! items, proof plan and rule diagnostics.

use axum::Json;
use axum::extract::State;
use segur_domain::authz::Action;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::{candidature_tenant, own_tenant};
use crate::api::PageParams;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, ApiUser};
use crate::state::AppState;
use crate::views::{
    CandidatureSummaryView, CandidatureView, DiagnosticsView, ListEnvelope, PlanView,
    ProofItemView, SolutionRecordView,
};

/// Candidatures of my organisation.
#[utoipa::path(get, path = "/api/v1/candidatures", tag = "candidatures", security(("session" = [])),
    params(PageParams),
    responses((status = 200, body = ListEnvelope<CandidatureSummaryView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_candidatures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<ListEnvelope<CandidatureSummaryView>>, ApiError> {
    let page = params.page()?;
    let tenant = own_tenant(&state, &user, Action::ReadEditorData)?;
    let list = tenant.list_candidatures(page).await?;
    Ok(Json(ListEnvelope::from_paged(list, Into::into)))
}

/// One candidature with its declaration and progress per chapter.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = CandidatureView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_candidature(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CandidatureView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let c = tenant.get_candidature(&id).await?;
    let progress = tenant.chapter_progress(&id).await?;
    Ok(Json(CandidatureView::new(&c, progress)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofItemsQuery {
    /// Only the items of this chapter.
    pub chapter: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Proof items of a candidature's pinned REM version with their deposit status, in REM order.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/proof-items", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"), ProofItemsQuery),
    responses((status = 200, body = ListEnvelope<ProofItemView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_proof_items(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProofItemsQuery>,
) -> Result<Json<ListEnvelope<ProofItemView>>, ApiError> {
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let items = tenant
        .list_proof_items(&id, q.chapter.as_deref(), page)
        .await?;
    Ok(Json(ListEnvelope::from_paged(items, Into::into)))
}

/// The proof plan: for every proof item, required / inherited / equivalent / impacted /
/// not applicable, with the rule IDs that decided it.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/plan", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PlanView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let at = state.today();
    let plan = segur_domain::rules::plan(&world, &id, at, state.settings())
        .map_err(|e| ApiError::new(crate::error::ErrorCode::Conflict, e.to_string()))?;
    Ok(Json(PlanView::new(&plan, at)))
}

/// Every rule checked on this candidature, each diagnostic citing its rule ID and source.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/diagnostics", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = DiagnosticsView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_diagnostics(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DiagnosticsView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let at = state.today();
    let diags = segur_domain::rules::check_candidature(&world, &id, at, state.settings());
    Ok(Json(DiagnosticsView {
        candidature: id,
        at: at.to_string(),
        errors: diags
            .iter()
            .filter(|d| d.severity == segur_domain::rules::Severity::Error)
            .count(),
        warnings: diags
            .iter()
            .filter(|d| d.severity == segur_domain::rules::Severity::Warning)
            .count(),
        diagnostics: diags.iter().map(Into::into).collect(),
    }))
}

/// Solutions of my organisation: referenced (by NRU) and candidating.
#[utoipa::path(get, path = "/api/v1/solutions", tag = "candidatures", security(("session" = [])),
    responses((status = 200, body = [SolutionRecordView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_solutions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<SolutionRecordView>>, ApiError> {
    let tenant = own_tenant(&state, &user, Action::ReadEditorData)?;
    let list = tenant.list_solutions().await?;
    Ok(Json(
        list.iter()
            .map(|s| SolutionRecordView {
                source: s.source.as_str().to_owned(),
                id: s.id.clone(),
                dispositif: s.dispositif.clone(),
                state: s.state.clone(),
                state_label: s.state_label.clone(),
                solution: (&s.solution).into(),
            })
            .collect(),
    ))
}
