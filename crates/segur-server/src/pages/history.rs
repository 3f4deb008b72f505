//! « Historique » (/historique): the audit events the user may read (their organisation's,
//! or every event for the ANS), newest first, 100 per page, with CSV and JSON exports.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use segur_domain::org::OrganisationKind;
use segur_store::Page;
use serde::Deserialize;

use crate::api::audit::visible_events;
use crate::error::PageError;
use crate::extract::PageUser;
use crate::pages::{Layout, render_html};
use crate::state::AppState;

const PER_PAGE: i64 = 100;

pub struct HistoryRow {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub object: String,
    pub role: String,
    pub organisation: String,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub all: bool,
    pub rows: Vec<HistoryRow>,
    pub total: i64,
    pub first: i64,
    pub last: i64,
    pub previous: Option<i64>,
    pub next: Option<i64>,
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    decalage: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, PageError> {
    let offset = match q.decalage.as_deref() {
        None | Some("") => 0,
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            PageError::bad_request("Décalage invalide : un nombre positif est attendu.")
        })?,
    };
    let page = visible_events(&state, &user, Page::new(PER_PAGE, offset))
        .await
        .map_err(|_| PageError::internal())?;
    let shown = page.items.len() as i64;
    let rows = page
        .items
        .into_iter()
        .map(|e| HistoryRow {
            seq: e.seq,
            at: e.at.chars().take(19).collect::<String>().replace('T', " "),
            action: e.action,
            object: e.object,
            role: e
                .actor_role
                .as_deref()
                .and_then(|r| segur_domain::org::Role::parse(r).ok())
                .map_or_else(|| "système".to_owned(), |r| r.label_fr().to_owned()),
            organisation: e.organisation_id.unwrap_or_default(),
        })
        .collect();
    Ok(render_html(&HistoryPage {
        layout: Layout::new("Historique", Some(&user), "history"),
        all: user.organisation_kind == OrganisationKind::Ans,
        rows,
        total: page.total,
        first: offset + 1,
        last: offset + shown,
        previous: (offset > 0).then(|| (offset - PER_PAGE).max(0)),
        next: (offset + shown < page.total).then_some(offset + shown),
    }))
}
