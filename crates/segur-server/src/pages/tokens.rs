//! "Mes jetons d'API" (/compte/jetons): list, create (the secret is shown once, in the answer to
//! the form, never in a URL) and revoke. Same rules as the API (`crate::api::tokens`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use segur_store::{ApiTokenRecord, MAX_TOKEN_DAYS, UserRecord};
use serde::Deserialize;

use crate::api::tokens::{create, revoke, visible_tokens};
use crate::error::{ErrorCode, PageError};
use crate::extract::{PageUser, RequestMeta};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// One row of the list, ready to show.
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: String,
    pub state: &'static str,
    pub active: bool,
}

fn when(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.strftime("%d/%m/%Y %H:%M UTC").to_string())
        .unwrap_or_default()
}

impl TokenRow {
    fn new(t: &ApiTokenRecord, now: i64) -> Self {
        let active = t.is_active(now);
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            scope: t.scope.label_fr(),
            created_by: t.user_login.clone(),
            created_at: when(t.created_at),
            expires_at: when(t.expires_at),
            last_used_at: t.last_used_at.map_or("jamais".into(), when),
            state: if t.revoked_at.is_some() {
                "révoqué"
            } else if active {
                "actif"
            } else {
                "expiré"
            },
            active,
        }
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub tokens: Vec<TokenRow>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The secret just created: shown once.
    pub secret: Option<String>,
    pub max_days: i64,
    pub name: String,
}

async fn page(
    state: &AppState,
    user: &UserRecord,
    notice: Option<String>,
    error: Option<String>,
    secret: Option<String>,
    name: String,
) -> Result<TokensPage, PageError> {
    let now = jiff::Timestamp::now().as_second();
    let tokens = visible_tokens(state, user).await?;
    Ok(TokensPage {
        layout: Layout::new("Jetons d'API", Some(user), "tokens"),
        tokens: tokens.iter().map(|t| TokenRow::new(t, now)).collect(),
        notice,
        error,
        secret,
        max_days: MAX_TOKEN_DAYS,
        name,
    })
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    pub message: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.message.map(|m| m.chars().take(200).collect());
    Ok(render_html(
        &page(&state, &user, notice, None, None, String::new()).await?,
    ))
}

#[derive(Deserialize)]
pub struct CreateForm {
    pub name: String,
    pub scope: String,
    pub expires_in_days: String,
}

pub async fn create_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let days = form.expires_in_days.trim().parse::<i64>().unwrap_or(0);
    match create(&state, &user, &meta, &form.name, &form.scope, days).await {
        Ok(created) => {
            let notice = format!("Jeton « {} » créé.", created.token.name);
            let p = page(
                &state,
                &user,
                Some(notice),
                None,
                Some(created.secret),
                String::new(),
            )
            .await?;
            let mut resp = render_html(&p);
            // The secret is in this answer only: keep it out of every cache.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        Err(e) => {
            let p = page(&state, &user, None, Some(e.message), None, form.name).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&p)).into_response())
        }
    }
}

pub async fn revoke_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let message = match revoke(&state, &user, &meta, &id).await {
        Ok(t) => format!("Jeton « {} » révoqué.", t.name),
        Err(e) if e.code == ErrorCode::NotFound => return Err(PageError::not_found()),
        Err(e) => e.message,
    };
    Ok(Redirect::to(&format!(
        "/compte/jetons?message={}",
        crate::extract::urlencode(&message)
    ))
    .into_response())
}
