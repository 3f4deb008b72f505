//! Catalogues in and out over HTTP: the REM-03 diff of two stored versions (JSON), exports of a
//! REM (XLSX in the published layout, OSCAL catalog) and of a candidature's tracking sheet
//! (XLSX, for its owner and the ANS).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use segur_catalogue::{export, oscal};
use segur_domain::authz::Action;
use segur_domain::catalogue::RemStatus;
use segur_domain::rem_diff::{self, ChangeCounts, RemDiff};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::candidature_tenant;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiUser};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Counts of a diff per kind (REM-03).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeCountsView {
    pub unchanged: usize,
    pub reworded: usize,
    pub new: usize,
    pub removed: usize,
}

impl From<ChangeCounts> for ChangeCountsView {
    fn from(c: ChangeCounts) -> Self {
        Self {
            unchanged: c.unchanged,
            reworded: c.reworded,
            new: c.new,
            removed: c.removed,
        }
    }
}

/// One requirement of a diff.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementChangeView {
    pub id: String,
    /// `unchanged`, `reworded`, `new` or `removed`.
    pub kind: String,
    pub chapter: String,
    /// French names of the changed fields (énoncé, chapitre, fonction, nature, profil).
    pub changed_fields: Vec<String>,
    pub old_enonce: Option<String>,
    pub new_enonce: Option<String>,
}

/// One proof item of a diff.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProofItemChangeView {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub kind: String,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
}

/// The diff of two REM versions (REM-03).
#[derive(Debug, Serialize, ToSchema)]
pub struct RemDiffView {
    pub dispositif: String,
    pub from_version: String,
    pub to_version: String,
    pub rule: String,
    /// Readable change log: a summary line, then one line per changed requirement.
    pub change_log: Vec<String>,
    pub requirement_counts: ChangeCountsView,
    pub scenario_counts: ChangeCountsView,
    pub proof_item_counts: ChangeCountsView,
    /// Every requirement that is not unchanged.
    pub requirements: Vec<RequirementChangeView>,
    /// Every proof item that is not unchanged.
    pub proof_items: Vec<ProofItemChangeView>,
}

fn kind(k: rem_diff::ChangeKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<&RemDiff> for RemDiffView {
    fn from(d: &RemDiff) -> Self {
        Self {
            dispositif: d.dispositif.clone(),
            from_version: d.from_version.clone(),
            to_version: d.to_version.clone(),
            rule: "REM-03".into(),
            change_log: d.change_log(),
            requirement_counts: d.requirement_counts.into(),
            scenario_counts: d.scenario_counts.into(),
            proof_item_counts: d.proof_item_counts.into(),
            requirements: d
                .requirements
                .iter()
                .filter(|r| r.kind != rem_diff::ChangeKind::Unchanged)
                .map(|r| RequirementChangeView {
                    id: r.id.to_string(),
                    kind: kind(r.kind),
                    chapter: r.chapter.clone(),
                    changed_fields: r
                        .fields
                        .names_fr()
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect(),
                    old_enonce: r.old_enonce.clone(),
                    new_enonce: r.new_enonce.clone(),
                })
                .collect(),
            proof_items: d
                .proof_items
                .iter()
                .filter(|p| p.kind != rem_diff::ChangeKind::Unchanged)
                .map(|p| ProofItemChangeView {
                    requirement: p.key.requirement.to_string(),
                    scenario: p.key.scenario,
                    proof: p.key.proof,
                    kind: kind(p.kind),
                    old_text: p.old_text.clone(),
                    new_text: p.new_text.clone(),
                })
                .collect(),
        }
    }
}

/// Loads two stored versions and diffs them (shared with the diff page).
pub async fn stored_diff(
    state: &AppState,
    code: &str,
    from: &str,
    to: &str,
) -> Result<RemDiff, segur_store::StoreError> {
    let system = state.store().system();
    let a = system.get_rem_version(code, from).await?;
    let b = system.get_rem_version(code, to).await?;
    Ok(rem_diff::diff(&a, &b))
}

/// What changed between two versions of a REM: each requirement, scenario and proof item
/// classified unchanged / reworded / new / removed (REM-03), with the readable change log.
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions/{from}/diff/{to}", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code"),
           ("from" = String, Path, description = "Older REM version"),
           ("to" = String, Path, description = "Newer REM version")),
    responses((status = 200, body = RemDiffView), (status = 404, body = ErrorBody)))]
pub async fn get_rem_diff(
    State(state): State<AppState>,
    ApiPath((code, from, to)): ApiPath<(String, String, String)>,
) -> Result<Json<RemDiffView>, ApiError> {
    let d = stored_diff(&state, &code, &from, &to).await?;
    Ok(Json((&d).into()))
}

fn attachment(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    name.replace(['"', '/', '\\'], "_")
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn export_failed(e: export::ExportError) -> ApiError {
    tracing::error!(error = %e, "xlsx export");
    ApiError::new(ErrorCode::Internal, "l'export XLSX a échoué")
}

/// The REM version as a workbook in the layout the ANS publishes (sheet "Exigences").
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions/{version}/export.xlsx", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code"), ("version" = String, Path, description = "REM version")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn export_rem_xlsx(
    State(state): State<AppState>,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let rem = state
        .store()
        .system()
        .get_rem_version(&code, &version)
        .await?;
    let bytes = export::rem_to_xlsx(&rem).map_err(export_failed)?;
    Ok(attachment(
        XLSX,
        &format!("REM-{code}-{version}.xlsx"),
        bytes,
    ))
}

/// The diff of two versions as a workbook (summary, requirements, proof items).
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions/{from}/diff/{to}/export.xlsx", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code"),
           ("from" = String, Path, description = "Older REM version"),
           ("to" = String, Path, description = "Newer REM version")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn export_diff_xlsx(
    State(state): State<AppState>,
    ApiPath((code, from, to)): ApiPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let d = stored_diff(&state, &code, &from, &to).await?;
    let bytes = export::diff_to_xlsx(&d).map_err(export_failed)?;
    Ok(attachment(
        XLSX,
        &format!("REM-{code}-{from}-{to}-modifications.xlsx"),
        bytes,
    ))
}

/// The REM version as an OSCAL 1.2 Catalog (JSON).
#[utoipa::path(get, path = "/api/v1/dispositifs/{code}/rem-versions/{version}/oscal.json", tag = "catalogue",
    params(("code" = String, Path, description = "Dispositif code"), ("version" = String, Path, description = "REM version")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn export_rem_oscal(
    State(state): State<AppState>,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rem = state
        .store()
        .system()
        .get_rem_version(&code, &version)
        .await?;
    let at = match (rem.status, rem.published_on) {
        (RemStatus::Published, Some(d)) => d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| jiff::Timestamp::now()),
        _ => jiff::Timestamp::now(),
    };
    Ok(Json(oscal::catalog(&rem, at)))
}

/// The candidature's tracking sheet: one row per proof item with its plan status, the rule
/// that decided it and its deposit status (the sheet editors keep by hand today).
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/tracking.xlsx", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_tracking_xlsx(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let at = state.today();
    let plan = segur_domain::rules::plan(&world, &id, at, state.settings())
        .map_err(|e| ApiError::new(ErrorCode::Conflict, e.to_string()))?;
    let cand = world
        .candidature(&id)
        .ok_or_else(|| ApiError::not_found("candidature"))?;
    let rem = world
        .rem_version(&cand.candidature.dispositif, &cand.candidature.rem_version)
        .ok_or_else(|| ApiError::not_found("REM"))?;
    let items = rem.proof_items();
    let rows: Vec<export::TrackingRow> = plan
        .items
        .iter()
        .map(|p| {
            let item = items.iter().find(|i| i.key == p.key);
            let deposit = cand.deposits.iter().find(|d| d.key == p.key);
            export::TrackingRow {
                key: p.key.clone(),
                chapter: p.chapter.clone(),
                profile: p.profile.to_string(),
                nature: item
                    .map(|i| i.nature)
                    .unwrap_or(segur_domain::catalogue::Nature::Exigence),
                scenario_text: item.map(|i| i.scenario_text.clone()).unwrap_or_default(),
                proof_text: p.proof_text.clone(),
                status: match p.deposit {
                    Some(s) => format!("{} — {}", p.status.label_fr(), s.label_fr()),
                    None => p.status.label_fr().to_owned(),
                },
                rule: (!p.rules.is_empty()).then(|| p.rules.join(", ")),
                deposited_on: deposit.and_then(|d| d.deposited_on).map(|d| d.to_string()),
            }
        })
        .collect();
    let title = format!(
        "Suivi des preuves — candidature {id} — REM {} version {} — au {at}",
        cand.candidature.dispositif, cand.candidature.rem_version
    );
    let bytes = export::tracking_to_xlsx(&title, &rows).map_err(export_failed)?;
    Ok(attachment(XLSX, &format!("suivi-{id}.xlsx"), bytes))
}

/// A proof item key as shown in a migration preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemKeyView {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
}

fn keys(v: &[segur_domain::catalogue::ProofItemKey]) -> Vec<ItemKeyView> {
    v.iter()
        .map(|k| ItemKeyView {
            requirement: k.requirement.to_string(),
            scenario: k.scenario,
            proof: k.proof,
        })
        .collect()
}

/// What moving a candidature to another REM version does to its deposits (REM-03).
#[derive(Debug, Serialize, ToSchema)]
pub struct RemMigrationView {
    pub candidature: String,
    pub from_version: String,
    pub to_version: String,
    pub rule: String,
    /// True once applied; false for a preview.
    pub applied: bool,
    pub change_log: Vec<String>,
    /// Deposits kept (unchanged items).
    pub kept: Vec<ItemKeyView>,
    /// Deposits to redo (reworded items): deleted when applied.
    pub to_redo: Vec<ItemKeyView>,
    /// Deposits of removed items: deleted when applied.
    pub dropped: Vec<ItemKeyView>,
    /// Items new in the target version, to deposit.
    pub new_items: Vec<ItemKeyView>,
}

pub(crate) fn migration_view(
    id: &str,
    diff: &RemDiff,
    impact: &rem_diff::MigrationImpact,
    applied: bool,
) -> RemMigrationView {
    RemMigrationView {
        candidature: id.to_owned(),
        from_version: diff.from_version.clone(),
        to_version: diff.to_version.clone(),
        rule: "REM-03".into(),
        applied,
        change_log: diff.change_log(),
        kept: keys(&impact.kept),
        to_redo: keys(&impact.to_redo),
        dropped: keys(&impact.dropped),
        new_items: keys(&impact.new_items),
    }
}

/// Preview of moving a candidature to another version of its REM: deposits kept, to redo,
/// dropped, and new items (REM-03). Writes nothing.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/rem-migration/{version}", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"), ("version" = String, Path, description = "Target REM version")),
    responses((status = 200, body = RemMigrationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preview_rem_migration(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<RemMigrationView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let (diff, impact) = tenant.rem_migration_preview(&id, &version).await?;
    Ok(Json(migration_view(&id, &diff, &impact, false)))
}

/// Moves the candidature to another published version of its REM (REM-01), keeping the
/// deposits of unchanged items and deleting the others (REM-03). Audited.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/rem-migration/{version}", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"), ("version" = String, Path, description = "Target REM version")),
    responses((status = 200, body = RemMigrationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn apply_rem_migration(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: crate::extract::RequestMeta,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<RemMigrationView>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    let (diff, _) = tenant.rem_migration_preview(&id, &version).await?;
    let impact = tenant
        .migrate_candidature_rem(&id, &version, &meta.audit(&user, "", ""))
        .await?;
    Ok(Json(migration_view(&id, &diff, &impact, true)))
}

/// The candidature's solution as an OSCAL Component Definition against its REM version.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/oscal/component-definition.json", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_component_definition(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let cand = world
        .candidature(&id)
        .ok_or_else(|| ApiError::not_found("candidature"))?;
    let rem = world
        .rem_version(&cand.candidature.dispositif, &cand.candidature.rem_version)
        .ok_or_else(|| ApiError::not_found("REM"))?;
    Ok(Json(oscal::component_definition(
        &id,
        &cand.candidature.solution,
        rem,
        jiff::Timestamp::now(),
    )))
}

/// The instruction results of the candidature as OSCAL Assessment Results: one observation per
/// deposited proof item with its status, one finding per decided item (validated, inherited,
/// equivalent → satisfied; rejected, complement requested → not satisfied). The store does not
/// link files to deposits yet, so no file hashes appear here (the export carries them when given).
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/oscal/assessment-results.json", tag = "candidatures", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_assessment_results(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let cand = world
        .candidature(&id)
        .ok_or_else(|| ApiError::not_found("candidature"))?;
    let rem = world
        .rem_version(&cand.candidature.dispositif, &cand.candidature.rem_version)
        .ok_or_else(|| ApiError::not_found("REM"))?;
    let items: Vec<oscal::AssessedItem> = cand
        .deposits
        .iter()
        .map(|d| oscal::AssessedItem {
            key: d.key.clone(),
            status: d.status,
            files: Vec::new(),
        })
        .collect();
    let title = format!("Résultats d'instruction de la candidature {id}");
    Ok(Json(oscal::assessment_results(&oscal::Assessment {
        candidature_id: &id,
        title: &title,
        rem,
        items: &items,
        at: jiff::Timestamp::now(),
    })))
}
