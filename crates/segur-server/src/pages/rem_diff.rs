//! The French change log between two versions of a REM (REM-03), linked from the REM page, with
//! its exports. Public, like the rest of the catalogue.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use segur_domain::rem_diff::{ChangeKind, RemDiff};

use crate::error::PageError;
use crate::extract::{MaybeUser, urlencode};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// One changed requirement as shown.
pub struct ChangeRow {
    pub id: String,
    pub kind: &'static str,
    pub chapter: String,
    pub details: String,
    pub old_enonce: String,
    pub new_enonce: String,
}

#[derive(Template)]
#[template(path = "rem_diff.html")]
pub struct RemDiffPage {
    pub layout: Layout,
    pub code: String,
    pub from: String,
    pub to: String,
    pub summary: String,
    pub rows: Vec<ChangeRow>,
    pub unchanged: usize,
    pub items_kept: usize,
    pub items_reworded: usize,
    pub items_new: usize,
    pub items_removed: usize,
    pub xlsx_href: String,
    pub json_href: String,
}

fn rows(d: &RemDiff) -> Vec<ChangeRow> {
    let log = d.change_log();
    d.requirements
        .iter()
        .filter(|r| r.kind != ChangeKind::Unchanged)
        .map(|r| {
            let prefix = format!("{} : ", r.id);
            let details = log
                .iter()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap_or_default()
                .to_owned();
            ChangeRow {
                id: r.id.to_string(),
                kind: r.kind.label_fr(),
                chapter: r.chapter.clone(),
                details,
                old_enonce: r.old_enonce.clone().unwrap_or_default(),
                new_enonce: r.new_enonce.clone().unwrap_or_default(),
            }
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path((code, from, to)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let d = crate::api::rem_admin::stored_diff(&state, &code, &from, &to).await?;
    let base = format!(
        "/api/v1/dispositifs/{}/rem-versions/{}/diff/{}",
        urlencode(&code),
        urlencode(&from),
        urlencode(&to)
    );
    Ok(render_html(&RemDiffPage {
        layout: Layout::new(
            format!("REM {code} : modifications de la version {from} à la version {to}"),
            user.as_ref(),
            "catalogue",
        ),
        summary: d.change_log().first().cloned().unwrap_or_default(),
        rows: rows(&d),
        unchanged: d.requirement_counts.unchanged,
        items_kept: d.proof_item_counts.unchanged,
        items_reworded: d.proof_item_counts.reworded,
        items_new: d.proof_item_counts.new,
        items_removed: d.proof_item_counts.removed,
        xlsx_href: format!("{base}/export.xlsx"),
        json_href: base,
        code,
        from,
        to,
    }))
}
