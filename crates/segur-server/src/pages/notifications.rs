//! "Notifications" (/notifications): the signed-in person's notifications, newest first, with
//! read marks and their e-mail preferences. Same rules as the API
//! (`crate::api::notifications`): everyone reaches their own inbox only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use segur_domain::notify::{EmailMode, Preferences};
use segur_store::{NotificationRecord, Page, StoreError, UserRecord};

use crate::access::inbox;
use crate::api::notifications::PreferencesBody;
use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// One line of the list.
pub struct Row {
    pub n: NotificationRecord,
    pub when: String,
    pub email_label: &'static str,
}

pub struct ModeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub total: i64,
    pub unread: i64,
    pub unread_only: bool,
    pub offset: i64,
    pub limit: i64,
    pub modes: Vec<ModeChoice>,
    pub english: bool,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub smtp_configured: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// `1`: unread only.
    pub non_lues: Option<String>,
    pub debut: Option<i64>,
    /// What was just done: `lu`, `tout`, `preferences`.
    pub fait: Option<String>,
}

const PAGE_SIZE: i64 = 50;

/// `2026-12-07T09:12:03Z` → `07/12/2026 10:12` (Europe/Paris).
fn when(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned(segur_domain::calendar::paris())
                .strftime("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

async fn page(
    state: &AppState,
    user: &UserRecord,
    q: &ListQuery,
    prefs_override: Option<Preferences>,
    error: Option<String>,
) -> Result<NotificationsPage, PageError> {
    let inbox = inbox(state, user);
    let unread_only = q.non_lues.as_deref() == Some("1");
    let offset = q.debut.unwrap_or(0).max(0);
    let list = inbox
        .list(Page::new(PAGE_SIZE, offset), unread_only)
        .await?;
    let prefs = match prefs_override {
        Some(p) => p,
        None => inbox.preferences().await?,
    };
    Ok(NotificationsPage {
        layout: Layout::new("Notifications", Some(user), "notifications"),
        rows: list
            .items
            .into_iter()
            .map(|n| Row {
                when: when(&n.created_at),
                email_label: n.email_status.label_fr(),
                n,
            })
            .collect(),
        total: list.total,
        unread: inbox.unread_count().await?,
        unread_only,
        offset: list.offset,
        limit: list.limit,
        modes: EmailMode::ALL
            .iter()
            .map(|m| ModeChoice {
                value: m.as_str(),
                label: m.label_fr(),
                checked: *m == prefs.email_mode,
            })
            .collect(),
        english: prefs.language == segur_domain::notify::Language::En,
        notice: match q.fait.as_deref() {
            Some("lu") => Some("Notification marquée comme lue."),
            Some("tout") => Some("Toutes les notifications sont marquées comme lues."),
            Some("preferences") => Some("Préférences enregistrées."),
            _ => None,
        },
        error,
        smtp_configured: state.config().smtp.is_some(),
    })
}

pub async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    Ok(render_html(&page(&state, &user, &q, None, None).await?))
}

pub async fn read_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match inbox(&state, &user)
        .mark_read(&id, &meta.audit(&user, "", ""))
        .await
    {
        Ok(()) => Ok(Redirect::to("/notifications?fait=lu").into_response()),
        Err(StoreError::NotFound) => Err(PageError {
            message: "Cette notification n'existe pas ou ne vous est pas adressée.".into(),
            ..PageError::not_found()
        }),
        Err(e) => Err(e.into()),
    }
}

pub async fn read_all_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
) -> Result<Response, PageError> {
    inbox(&state, &user)
        .mark_all_read(&meta.audit(&user, "", ""))
        .await?;
    Ok(Redirect::to("/notifications?fait=tout").into_response())
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    pub email_mode: String,
    #[serde(default)]
    pub language: String,
}

pub async fn preferences_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, PageError> {
    let body = PreferencesBody {
        email_mode: form.email_mode,
        language: form.language,
    };
    match body.parse() {
        Ok(prefs) => {
            inbox(&state, &user)
                .set_preferences(prefs, &meta.audit(&user, "", ""))
                .await?;
            Ok(Redirect::to("/notifications?fait=preferences").into_response())
        }
        Err(e) => {
            let q = ListQuery {
                non_lues: None,
                debut: None,
                fait: None,
            };
            let p = page(&state, &user, &q, None, Some(e.message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&p)).into_response())
        }
    }
}
