//! The caller's notifications (in-app list, read marks) and their e-mail preferences. Every
//! signed-in account has its own ([`crate::access::inbox`]); nobody reads another's.
//! What is notified and when: docs/notifications.md.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use segur_domain::notify::{EmailMode, Language, Preferences};
use segur_store::{NotificationRecord, StoreError};

use crate::access::inbox;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiQuery, ApiUser, RequestMeta};
use crate::state::AppState;

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// Event kind (`complement.requested`…) or `deadline.reminder`.
    pub kind: String,
    pub candidature_id: Option<String>,
    pub subject: String,
    pub body: String,
    /// Path in segur of what it is about.
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
    /// `none`, `pending`, `digest`, `sent` or `failed`.
    pub email_status: String,
}

impl From<&NotificationRecord> for NotificationView {
    fn from(n: &NotificationRecord) -> Self {
        Self {
            id: n.id.clone(),
            kind: n.kind.clone(),
            candidature_id: n.candidature_id.clone(),
            subject: n.subject.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
            created_at: n.created_at.clone(),
            read_at: n.read_at.clone(),
            email_status: n.email_status.as_str().to_owned(),
        }
    }
}

/// A page of notifications, newest first, with the unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub total: i64,
    pub unread: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
    /// Only the unread ones.
    #[serde(default)]
    pub unread: bool,
}

/// E-mail mode and language of the caller's notifications.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// `immediate` (one e-mail each), `daily_digest` or `off`.
    pub email_mode: String,
    /// `fr` or `en`.
    pub language: String,
}

impl From<Preferences> for PreferencesBody {
    fn from(p: Preferences) -> Self {
        Self {
            email_mode: p.email_mode.as_str().to_owned(),
            language: p.language.as_str().to_owned(),
        }
    }
}

impl PreferencesBody {
    pub fn parse(&self) -> Result<Preferences, ApiError> {
        Ok(Preferences {
            email_mode: EmailMode::parse(&self.email_mode).map_err(|e| {
                ApiError::new(ErrorCode::InvalidBody, e.reason).with_field("email_mode")
            })?,
            language: Language::parse(&self.language).map_err(|e| {
                ApiError::new(ErrorCode::InvalidBody, e.reason).with_field("language")
            })?,
        })
    }
}

/// Read marks done.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllView {
    pub marked: u64,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("session" = [])),
    params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> Result<Json<NotificationPage>, ApiError> {
    let page = crate::api::PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let inbox = inbox(&state, &user);
    let list = inbox.list(page, q.unread).await?;
    Ok(Json(NotificationPage {
        items: list.items.iter().map(Into::into).collect(),
        total: list.total,
        unread: inbox.unread_count().await?,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// Marks one of the caller's notifications read (404 for anyone else's).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("session" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    inbox(&state, &user)
        .mark_read(&id, &meta.audit(&user, "", ""))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("notification"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks every unread notification of the caller read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("session" = [])),
    responses((status = 200, body = ReadAllView), (status = 401, body = ErrorBody)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
) -> Result<Json<ReadAllView>, ApiError> {
    let marked = inbox(&state, &user)
        .mark_all_read(&meta.audit(&user, "", ""))
        .await?;
    Ok(Json(ReadAllView { marked }))
}

/// The caller's notification preferences.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications", security(("session" = [])),
    responses((status = 200, body = PreferencesBody), (status = 401, body = ErrorBody)))]
pub async fn get_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<PreferencesBody>, ApiError> {
    Ok(Json(inbox(&state, &user).preferences().await?.into()))
}

/// Sets the caller's notification preferences (they apply to notifications made from now).
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications", security(("session" = [])),
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: Result<Json<PreferencesBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PreferencesBody>, ApiError> {
    let Json(body) = body?;
    let prefs = body.parse()?;
    inbox(&state, &user)
        .set_preferences(prefs, &meta.audit(&user, "", ""))
        .await?;
    Ok(Json(prefs.into()))
}
