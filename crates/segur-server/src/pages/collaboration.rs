//! "Mon travail" (/mon-travail) and the collaboration section of the candidature page:
//! proof items assigned with a due date (at most D2, LIF-05) and internal notes. Same rules as
//! the API (`crate::api::collaboration`): the owning editor's staff only; the ANS gets 403 and
//! never sees this section.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use segur_domain::proof::ProofStatus;
use segur_store::{Page, TenantStore, UserRecord};

use crate::access::Collaboration;
use crate::api::collaboration::{
    AssignmentView, InternalNoteView, add_note, assign, assignment_view, collaboration_tenant,
    item_string, my_work, notes, parse_item,
};
use crate::error::{ErrorCode, PageError};
use crate::extract::{PageUser, RequestMeta, urlencode};
use crate::pages::{Layout, date_fr, days_label, render_html};
use crate::state::AppState;

/// One assigned item, ready to show.
pub struct WorkRow {
    pub view: AssignmentView,
    pub due_label: String,
    pub days_label: String,
    pub status_label: &'static str,
}

fn work_row(view: AssignmentView) -> WorkRow {
    let due_label = view
        .due_on
        .parse::<jiff::civil::Date>()
        .map(date_fr)
        .unwrap_or_else(|_| view.due_on.clone());
    WorkRow {
        days_label: days_label(view.days_left),
        status_label: ProofStatus::parse(&view.status)
            .map(|s| s.label_fr())
            .unwrap_or("—"),
        due_label,
        view,
    }
}

#[derive(Template)]
#[template(path = "my_work.html")]
pub struct MyWorkPage {
    pub layout: Layout,
    pub today: String,
    pub rows: Vec<WorkRow>,
    pub overdue: usize,
}

pub async fn show_my_work(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let work = my_work(&state, &user).await?;
    Ok(render_html(&MyWorkPage {
        layout: Layout::new("Mon travail", Some(&user), "work"),
        today: date_fr(state.today()),
        overdue: work.overdue,
        rows: work.items.into_iter().map(work_row).collect(),
    }))
}

/// A proof item offered in the forms' lists.
pub struct ItemChoice {
    pub value: String,
    pub label: String,
}

/// A colleague who can be given an item.
pub struct AssigneeChoice {
    pub user_id: String,
    pub label: String,
    pub is_me: bool,
}

/// What the candidature page shows to the owning editor's staff.
pub struct CollaborationSection {
    pub assignments: Vec<WorkRow>,
    pub notes: Vec<InternalNoteView>,
    pub items: Vec<ItemChoice>,
    pub assignees: Vec<AssigneeChoice>,
    /// Latest due date allowed (D2 of the calendar in force), YYYY-MM-DD, for the date input.
    pub max_due_on: Option<String>,
    pub max_due_label: Option<String>,
}

/// The section, for a caller allowed to read the candidature's internal data.
pub async fn section(
    state: &AppState,
    tenant: &TenantStore,
    candidature: &str,
    dispositif: &str,
) -> Result<CollaborationSection, PageError> {
    let today = state.today();
    let assignments = tenant
        .list_assignments(candidature)
        .await?
        .iter()
        .map(|a| work_row(assignment_view(a, today)))
        .collect();
    let notes = notes(tenant, candidature).await?;
    let items = tenant
        .list_proof_items(candidature, None, Page::max())
        .await?
        .items
        .into_iter()
        .filter_map(|i| {
            let key = segur_domain::catalogue::ProofItemKey {
                requirement: segur_domain::catalogue::RequirementId::parse(&i.requirement).ok()?,
                scenario: u16::try_from(i.scenario).ok()?,
                proof: u16::try_from(i.proof).ok()?,
            };
            Some(ItemChoice {
                value: item_string(&key),
                label: format!("{key} — {}", i.chapter),
            })
        })
        .collect();
    let assignees = tenant
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| AssigneeChoice {
            label: format!("{} ({})", a.user.display_name, a.user.login),
            user_id: a.user.id,
            is_me: false,
        })
        .collect();
    let d2 = state
        .store()
        .system()
        .calendar_history(dispositif)
        .await?
        .in_force(today)
        .and_then(|c| c.date(segur_domain::calendar::Milestone::D2))
        .map(|d| d.date());
    Ok(CollaborationSection {
        assignments,
        notes,
        items,
        assignees,
        max_due_on: d2.map(|d| d.to_string()),
        max_due_label: d2.map(date_fr),
    })
}

/// Marks the signed-in user in the list of assignees (preselected in the form).
pub fn mark_me(section: &mut CollaborationSection, user: &UserRecord) {
    for a in &mut section.assignees {
        a.is_me = a.user_id == user.id;
    }
}

fn back(id: &str, key: &str, message: &str) -> Response {
    Redirect::to(&format!(
        "/candidatures/{}?{key}={}#h-collaboration",
        urlencode(id),
        urlencode(message)
    ))
    .into_response()
}

/// Outcome of a form: a notice on success, the refusal's message otherwise; access refusals
/// stay errors pages (403, 404).
fn outcome<T>(
    id: &str,
    result: Result<T, crate::error::ApiError>,
    success: impl FnOnce(T) -> String,
) -> Result<Response, PageError> {
    match result {
        Ok(v) => Ok(back(id, "message", &success(v))),
        Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::Forbidden) => Err(e.into()),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable) => Err(e.into()),
        Err(e) => Ok(back(id, "erreur", &e.message)),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub element: String,
    #[serde(default)]
    pub personne: String,
    #[serde(default)]
    pub echeance: String,
}

pub async fn assign_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    // Access first, so that the ANS gets 403 and another editor 404 whatever the form says.
    let (tenant, summary) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let result = async {
        let key = parse_item(&form.element)?;
        assign(
            &state,
            &tenant,
            &summary,
            &user,
            &meta,
            &key,
            &form.personne,
            &form.echeance,
        )
        .await
    }
    .await;
    outcome(&id, result, |a| {
        format!(
            "Preuve {} confiée à {} pour le {}.",
            a.key,
            a.assignee_name,
            date_fr(a.due_on)
        )
    })
}

#[derive(Deserialize)]
pub struct UnassignForm {
    #[serde(default)]
    pub element: String,
}

pub async fn unassign_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<UnassignForm>,
) -> Result<Response, PageError> {
    let (tenant, _) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let result = async {
        let key = parse_item(&form.element)?;
        tenant
            .unassign_proof_item(&id, &key, &meta.audit(&user, "", ""))
            .await
            .map_err(crate::error::ApiError::from)?;
        Ok(key)
    }
    .await;
    outcome(&id, result, |key| {
        format!("La preuve {key} n'est plus confiée à personne.")
    })
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub element: String,
}

pub async fn note_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    let (tenant, _) = collaboration_tenant(&state, &user, &id, Collaboration::Write).await?;
    let result = add_note(&tenant, &user, &meta, &id, Some(&form.element), &form.note).await;
    outcome(&id, result, |_| "Note interne ajoutée.".to_owned())
}
