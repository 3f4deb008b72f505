//! Webhooks of the caller's organisation: register (the secret is in that answer only),
//! list, delete, and the delivery log. Editor mandataires and représentants only
//! ([`crate::access::webhook_tenant`]). Payload, headers and signature: docs/webhooks.md.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use segur_domain::events::EventKind;
use segur_store::{DeliveryRecord, StoreError, UserRecord, WebhookRecord, WebhookSecret};

use crate::access::webhook_tenant;
use crate::api::PageParams;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiQuery, ApiUser, RequestMeta};
use crate::state::AppState;

/// A registered webhook, never with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// Event kinds delivered (`proof.validated`…); empty: every kind.
    pub event_kinds: Vec<String>,
    pub active: bool,
    pub created_by: Option<String>,
    pub created_at: String,
    /// Its delivery log.
    pub deliveries: String,
}

impl From<&WebhookRecord> for WebhookView {
    fn from(w: &WebhookRecord) -> Self {
        Self {
            id: w.id.clone(),
            url: w.url.clone(),
            event_kinds: w
                .event_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            active: w.active,
            created_by: w.created_by.clone(),
            created_at: w.created_at.clone(),
            deliveries: format!("/api/v1/webhooks/{}/deliveries", w.id),
        }
    }
}

/// A webhook just registered, with its signing secret: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookView {
    pub webhook: WebhookView,
    /// `whsec_` followed by 64 hex digits; the key of `Segur-Signature` (HMAC-SHA256).
    pub secret: String,
}

/// What to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// `https://…` (plain `http://` only on 127.0.0.1 / localhost when the server allows it).
    pub url: String,
    /// Event kinds to deliver; omitted or empty: every kind.
    #[serde(default)]
    pub event_kinds: Vec<String>,
}

/// One attempt log line.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_seq: i64,
    pub event_kind: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// Next attempt (RFC 3339) while pending.
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl From<&DeliveryRecord> for DeliveryView {
    fn from(d: &DeliveryRecord) -> Self {
        Self {
            id: d.id.clone(),
            event_seq: d.event_seq,
            event_kind: d.event_kind.clone(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: (d.status == segur_store::DeliveryStatus::Pending)
                .then(|| crate::api::tokens::instant(d.next_attempt_at)),
            last_status_code: d.last_status_code,
            last_error: d.last_error.clone(),
            created_at: d.created_at.clone(),
            delivered_at: d.delivered_at.clone(),
        }
    }
}

/// A page of deliveries, newest event first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Registers a webhook; shared by the API and the page.
pub async fn create(
    state: &AppState,
    user: &UserRecord,
    meta: &RequestMeta,
    url: &str,
    kinds: &[String],
) -> Result<(WebhookRecord, WebhookSecret), ApiError> {
    let tenant = webhook_tenant(state, user)?;
    let url = crate::webhooks::check_url(url, state.config().webhook_allow_loopback_http)
        .map_err(|m| ApiError::new(ErrorCode::InvalidBody, m).with_field("url"))?;
    let kinds = kinds
        .iter()
        .map(|k| {
            EventKind::parse(k.trim()).map_err(|e| {
                ApiError::new(ErrorCode::InvalidBody, e.reason).with_field("event_kinds")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let secret = WebhookSecret::generate();
    let hook = tenant
        .create_webhook(&url, &kinds, &secret, &meta.audit(user, "", ""))
        .await?;
    Ok((hook, secret))
}

/// The organisation's webhooks, oldest first (never their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("session" = [])),
    responses((status = 200, body = [WebhookView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let tenant = webhook_tenant(&state, &user)?;
    Ok(Json(
        tenant
            .list_webhooks()
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Registers a webhook: events of the organisation recorded from now on are POSTed to it,
/// signed with the secret returned here — once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("session" = [])),
    request_body = NewWebhookBody,
    responses((status = 201, body = CreatedWebhookView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: Result<Json<NewWebhookBody>, axum::extract::rejection::JsonRejection>,
) -> Result<
    (
        StatusCode,
        [(axum::http::HeaderName, &'static str); 1],
        Json<CreatedWebhookView>,
    ),
    ApiError,
> {
    webhook_tenant(&state, &user)?;
    let Json(body) = body?;
    let (hook, secret) = create(&state, &user, &meta, &body.url, &body.event_kinds).await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(CreatedWebhookView {
            webhook: (&hook).into(),
            secret: secret.expose().to_owned(),
        }),
    ))
}

/// Deletes a webhook and its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("session" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let tenant = webhook_tenant(&state, &user)?;
    tenant
        .delete_webhook(&id, &meta.audit(&user, "", ""))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("webhook"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The delivery log of a webhook: one line per event, with attempts, last answer and error.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("session" = [])),
    params(("id" = String, Path, description = "Webhook id"), PageParams),
    responses((status = 200, body = DeliveryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let tenant = webhook_tenant(&state, &user)?;
    let page = tenant
        .list_webhook_deliveries(&id, q.page()?)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("webhook"),
            other => other.into(),
        })?;
    Ok(Json(DeliveryPage {
        items: page.items.iter().map(Into::into).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
