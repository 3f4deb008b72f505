//! The public register page (PUB-01): no sign-in needed.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use segur_domain::register::RegisterEntry;
use serde::Deserialize;

use crate::api::register::{ObsoleteVersionView, entries};
use crate::error::PageError;
use crate::extract::MaybeUser;
use crate::pages::{Layout, render_html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub q: String,
    pub status: String,
    pub entries: Vec<RegisterEntry>,
    pub obsolete: Vec<ObsoleteVersionView>,
    pub csv_query: String,
}

impl RegisterPage {
    pub fn date_of(&self, e: &RegisterEntry) -> String {
        e.date
            .map_or("—".into(), |d| d.strftime("%d/%m/%Y").to_string())
    }
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    pub q: Option<String>,
    pub statut: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let text =
        q.q.unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
    let status = q.statut.unwrap_or_default();
    let (list, obsolete) = entries(&state, Some(&text), Some(&status)).await?;
    let csv_query = format!(
        "?q={}&status={}",
        crate::extract::urlencode(&text),
        crate::extract::urlencode(&status)
    );
    Ok(render_html(&RegisterPage {
        layout: Layout::new("Registre public", user.as_ref(), "register"),
        q: text,
        status,
        entries: list,
        obsolete,
        csv_query,
    }))
}
