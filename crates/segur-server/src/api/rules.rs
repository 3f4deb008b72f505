use axum::Json;

use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiPath;
use crate::views::RuleView;

/// Every rule of the catalogue, with its text and source (the "pourquoi ?" of each decision).
#[utoipa::path(get, path = "/api/v1/rules", tag = "règles", responses((status = 200, body = [RuleView])))]
pub async fn list_rules() -> Json<Vec<RuleView>> {
    Json(
        segur_domain::rules::all_rules()
            .iter()
            .map(Into::into)
            .collect(),
    )
}

/// One rule by ID, e.g. `EQV-04`.
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "règles",
    params(("id" = String, Path, description = "Rule ID, e.g. EQV-04")),
    responses((status = 200, body = RuleView), (status = 404, body = ErrorBody)))]
pub async fn get_rule(ApiPath(id): ApiPath<String>) -> Result<Json<RuleView>, ApiError> {
    segur_domain::rules::rule(&id)
        .map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::not_found("règle"))
}
