//! Editor-side collaboration: assigning proof items to colleagues with a due date (at most D2
//! of the calendar in force, LIF-05), "my work", and internal notes. Reached only through
//! [`crate::access::internal_tenant`]: the owning editor's staff; the ANS and the ASP get 403,
//! another editor 404.
//!
//! A proof item is addressed in a path as `{requirement}:{scenario}:{proof}`, the requirement
//! ID percent-encoded (its `/` as `%2F`): `SC.SSI%2FGEN.05:1:2`. Requirement IDs never contain
//! `:`, so the split is unambiguous.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use segur_domain::catalogue::{ProofItemKey, RequirementId};
use segur_domain::collaboration::{InternalNote, check_due_date, due_status};
use segur_store::{AssignmentRecord, InternalNoteRecord, StoreError, TenantStore, UserRecord};

use crate::access::{Collaboration, internal_tenant, own_internal_tenant};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiUser, RequestMeta};
use crate::state::AppState;

/// `SC.SSI/GEN.05:1:2` → the proof item key; the message says what format is expected.
pub fn parse_item(s: &str) -> Result<ProofItemKey, ApiError> {
    let bad = || {
        ApiError::invalid(
            "item",
            format!(
                "élément de preuve « {} » : format attendu EXIGENCE:SCÉNARIO:PREUVE, ex. SC.SSI%2FGEN.05:1:2",
                s.chars().take(100).collect::<String>()
            ),
        )
    };
    let mut parts = s.trim().rsplitn(3, ':');
    let proof = parts.next().and_then(|p| p.parse::<u16>().ok());
    let scenario = parts.next().and_then(|p| p.parse::<u16>().ok());
    let requirement = parts.next();
    match (requirement, scenario, proof) {
        (Some(r), Some(scenario), Some(proof)) => Ok(ProofItemKey {
            requirement: RequirementId::parse(r)
                .map_err(|e| ApiError::invalid("item", e.to_string()))?,
            scenario,
            proof,
        }),
        _ => Err(bad()),
    }
}

/// The key as written in forms and JSON: `SC.SSI/GEN.05:1:2`.
pub fn item_string(key: &ProofItemKey) -> String {
    format!("{}:{}:{}", key.requirement, key.scenario, key.proof)
}

fn candidature_not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("candidature"),
        other => other.into(),
    }
}

/// The tenant owning candidature `id` for its internal data, once the candidature is known
/// to exist there: access and existence are decided before any input is read, so that
/// another editor always gets 404 and the ANS 403.
pub async fn collaboration_tenant(
    state: &AppState,
    user: &UserRecord,
    id: &str,
    what: Collaboration,
) -> Result<(TenantStore, segur_store::CandidatureSummary), ApiError> {
    let tenant = internal_tenant(state, user, id, what).await?;
    let summary = tenant
        .candidature_summary(id)
        .await
        .map_err(candidature_not_found)?;
    Ok((tenant, summary))
}

/// Who an item is assigned to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssigneeView {
    pub user_id: String,
    pub login: String,
    pub display_name: String,
}

/// A proof item assigned to a colleague, with where it stands on the server's today.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub candidature: String,
    pub candidature_title: String,
    pub dispositif: String,
    /// `REQUIREMENT:SCENARIO:PROOF`, e.g. `SC.SSI/GEN.05:1:2` (percent-encode `/` in paths).
    pub item: String,
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub chapter: String,
    pub proof_text: String,
    /// Deposit status of the item (`to_deposit`, `deposited`, `validated`…).
    pub status: String,
    pub assignee: AssigneeView,
    /// YYYY-MM-DD, on or before D2 when it was set (LIF-05).
    pub due_on: String,
    /// Whole days from today (Europe/Paris) to the due date; negative once passed.
    pub days_left: i64,
    pub overdue: bool,
    pub assigned_by: Option<String>,
    pub assigned_at: String,
}

pub fn assignment_view(a: &AssignmentRecord, today: jiff::civil::Date) -> AssignmentView {
    let due = due_status(a.due_on, today);
    AssignmentView {
        candidature: a.candidature_id.clone(),
        candidature_title: a.candidature_title.clone(),
        dispositif: a.dispositif.clone(),
        item: item_string(&a.key),
        requirement: a.key.requirement.as_str().to_owned(),
        scenario: a.key.scenario,
        proof: a.key.proof,
        chapter: a.chapter.clone(),
        proof_text: a.proof_text.clone(),
        status: a.status.as_str().to_owned(),
        assignee: AssigneeView {
            user_id: a.assignee_user_id.clone(),
            login: a.assignee_login.clone(),
            display_name: a.assignee_name.clone(),
        },
        due_on: a.due_on.to_string(),
        days_left: due.days_left,
        overdue: due.overdue,
        assigned_by: a.assigned_by.clone(),
        assigned_at: a.assigned_at.clone(),
    }
}

/// Whom to assign the item to, and by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// Id of an active user of the candidature's organisation (`GET /api/v1/me` gives one's own).
    pub assignee_user_id: String,
    /// YYYY-MM-DD, on or before D2 of the dispositif's calendar in force (LIF-05).
    pub due_on: String,
}

/// Checks and records an assignment on a candidature reached through
/// [`collaboration_tenant`]; shared by the API and the candidature page.
#[allow(clippy::too_many_arguments)] // the request's parts, each needed once
pub async fn assign(
    state: &AppState,
    tenant: &TenantStore,
    summary: &segur_store::CandidatureSummary,
    user: &UserRecord,
    meta: &RequestMeta,
    key: &ProofItemKey,
    assignee_user_id: &str,
    due_on: &str,
) -> Result<AssignmentRecord, ApiError> {
    let due_on: jiff::civil::Date = due_on
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("due_on", "échéance attendue au format AAAA-MM-JJ"))?;
    let calendars = state
        .store()
        .system()
        .calendar_history(&summary.dispositif)
        .await?;
    check_due_date(&calendars, state.today(), due_on).map_err(|e| {
        ApiError::new(ErrorCode::RulesFailed, e.reason)
            .with_field("due_on")
            .with_details(serde_json::json!({ "rules": ["LIF-05"] }))
    })?;
    let assignee = assignee_user_id.trim();
    if assignee.is_empty() {
        return Err(ApiError::invalid(
            "assignee_user_id",
            "choisissez la personne à qui confier la preuve",
        ));
    }
    tenant
        .assign_proof_item(
            &summary.id,
            key,
            assignee,
            due_on,
            &meta.audit(user, "", ""),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("candidature"),
            StoreError::Invalid(m) => ApiError::new(ErrorCode::InvalidBody, m),
            other => other.into(),
        })
}

/// Assigns one proof item of the candidature to a colleague, due on or before D2 of the
/// dispositif's calendar in force (LIF-05; later → 422 `rules_failed`). Replaces the current
/// assignment of the item. Owning editor's staff only.
#[utoipa::path(put, path = "/api/v1/candidatures/{id}/proof-items/{item}/assignment", tag = "collaboration",
    security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"),
        ("item" = String, Path, description = "Proof item `REQUIREMENT:SCENARIO:PROOF`, `/` percent-encoded: `SC.SSI%2FGEN.05:1:2`")),
    request_body = AssignmentBody,
    responses((status = 200, body = AssignmentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_assignment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath((id, item)): ApiPath<(String, String)>,
    body: Result<Json<AssignmentBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<AssignmentView>, ApiError> {
    // Access first: the ANS gets 403 and another editor 404 whatever the body.
    let (tenant, summary) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let key = parse_item(&item)?;
    let Json(body) = body?;
    let a = assign(
        &state,
        &tenant,
        &summary,
        &user,
        &meta,
        &key,
        &body.assignee_user_id,
        &body.due_on,
    )
    .await?;
    Ok(Json(assignment_view(&a, state.today())))
}

/// Removes the assignment of one proof item (204 whether or not there was one).
#[utoipa::path(delete, path = "/api/v1/candidatures/{id}/proof-items/{item}/assignment", tag = "collaboration",
    security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"),
        ("item" = String, Path, description = "Proof item `REQUIREMENT:SCENARIO:PROOF`, `/` percent-encoded")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_assignment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath((id, item)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (tenant, _) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let key = parse_item(&item)?;
    tenant
        .unassign_proof_item(&id, &key, &meta.audit(&user, "", ""))
        .await
        .map_err(candidature_not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's work: items assigned to them, soonest due first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyWorkView {
    /// Today in Europe/Paris, the date `days_left` counts from.
    pub today: String,
    pub items: Vec<AssignmentView>,
    pub total: usize,
    /// Items whose due date has passed.
    pub overdue: usize,
}

pub async fn my_work(state: &AppState, user: &UserRecord) -> Result<MyWorkView, ApiError> {
    let tenant = own_internal_tenant(state, user, Collaboration::Read)?;
    let today = state.today();
    let items: Vec<AssignmentView> = tenant
        .my_work(&user.id)
        .await?
        .iter()
        .map(|a| assignment_view(a, today))
        .collect();
    Ok(MyWorkView {
        today: today.to_string(),
        total: items.len(),
        overdue: items.iter().filter(|i| i.overdue).count(),
        items,
    })
}

/// "Mon travail": the proof items assigned to the caller across their organisation's
/// candidatures, with days left and overdue flags, soonest due first. Editors' staff only.
#[utoipa::path(get, path = "/api/v1/me/work", tag = "collaboration", security(("session" = [])),
    responses((status = 200, body = MyWorkView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_my_work(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<MyWorkView>, ApiError> {
    Ok(Json(my_work(&state, &user).await?))
}

/// An internal note of the editor's team. Never shown to the ANS.
#[derive(Debug, Serialize, ToSchema)]
pub struct InternalNoteView {
    pub id: String,
    pub candidature: String,
    /// The proof item the note is about (`REQUIREMENT:SCENARIO:PROOF`), if any.
    pub item: Option<String>,
    pub author_user_id: Option<String>,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

impl From<&InternalNoteRecord> for InternalNoteView {
    fn from(n: &InternalNoteRecord) -> Self {
        Self {
            id: n.id.clone(),
            candidature: n.candidature_id.clone(),
            item: n.item.as_ref().map(item_string),
            author_user_id: n.author_user_id.clone(),
            author_name: n.author_name.clone(),
            body: n.body.clone(),
            created_at: n.created_at.clone(),
        }
    }
}

/// A new internal note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInternalNoteBody {
    /// 1 to 4000 characters, trimmed; line breaks kept.
    pub body: String,
    /// The proof item it is about (`REQUIREMENT:SCENARIO:PROOF`, e.g. `SC.SSI/GEN.05:1:2`).
    #[serde(default)]
    pub item: Option<String>,
}

/// Checks and records a note on a candidature reached through [`collaboration_tenant`];
/// shared by the API and the candidature page.
pub async fn add_note(
    tenant: &TenantStore,
    user: &UserRecord,
    meta: &RequestMeta,
    candidature: &str,
    item: Option<&str>,
    body: &str,
) -> Result<InternalNoteRecord, ApiError> {
    let key = item
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_item)
        .transpose()?;
    let note = InternalNote::parse(body)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, e.reason).with_field("body"))?;
    tenant
        .add_internal_note(candidature, key.as_ref(), &note, &meta.audit(user, "", ""))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("candidature"),
            StoreError::Invalid(m) => ApiError::new(ErrorCode::InvalidBody, m).with_field("item"),
            other => other.into(),
        })
}

pub async fn notes(
    tenant: &TenantStore,
    candidature: &str,
) -> Result<Vec<InternalNoteView>, ApiError> {
    Ok(tenant
        .list_internal_notes(candidature)
        .await
        .map_err(candidature_not_found)?
        .iter()
        .map(Into::into)
        .collect())
}

/// The internal notes of a candidature, oldest first. Owning editor's staff only: the ANS
/// gets 403.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/internal-notes", tag = "collaboration", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = [InternalNoteView]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_internal_notes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<InternalNoteView>>, ApiError> {
    let (tenant, _) = collaboration_tenant(&state, &user, &id, Collaboration::Read).await?;
    Ok(Json(notes(&tenant, &id).await?))
}

/// Adds an internal note to the candidature, optionally about one proof item. The audit
/// event records that a note was added, never its text.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/internal-notes", tag = "collaboration", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = NewInternalNoteBody,
    responses((status = 201, body = InternalNoteView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_internal_note(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: Result<Json<NewInternalNoteBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<InternalNoteView>), ApiError> {
    let (tenant, _) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let Json(body) = body?;
    let note = add_note(&tenant, &user, &meta, &id, body.item.as_deref(), &body.body).await?;
    Ok((StatusCode::CREATED, Json(InternalNoteView::from(&note))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_keys_round_trip_through_paths() {
        let key = parse_item("SC.SSI/GEN.05:1:2").unwrap();
        assert_eq!(key.requirement.as_str(), "SC.SSI/GEN.05");
        assert_eq!((key.scenario, key.proof), (1, 2));
        assert_eq!(item_string(&key), "SC.SSI/GEN.05:1:2");
        for bad in [
            "",
            "SC.SSI/GEN.05",
            "SC.SSI/GEN.05:1",
            "SC.SSI/GEN.05:x:1",
            "x:1:1",
            ":1:1",
            "SC.DOC.20:1:99999",
        ] {
            assert!(parse_item(bad).is_err(), "{bad}");
        }
    }
}
