//! API tokens for automation: list, create (the secret is in that response only), revoke.
//!
//! Managing tokens needs a session (a token cannot mint or revoke tokens); see
//! [`crate::access::token_tenant`] for who sees which tokens.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use segur_store::{ApiTokenRecord, NewApiToken, StoreError, TokenScope, UserRecord};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, RequestMeta, SessionApiUser};
use crate::state::AppState;

/// A token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// `read` (GET only) or `write`.
    pub scope: String,
    /// Login of the user the token acts as.
    pub created_by: String,
    /// RFC 3339 instants.
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

pub(crate) fn instant(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

impl TokenView {
    pub(crate) fn new(t: &ApiTokenRecord) -> Self {
        let now = jiff::Timestamp::now().as_second();
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            scope: t.scope.as_str().to_owned(),
            created_by: t.user_login.clone(),
            created_at: instant(t.created_at),
            expires_at: instant(t.expires_at),
            last_used_at: t.last_used_at.map(instant),
            revoked_at: t.revoked_at.map(instant),
            active: t.is_active(now),
        }
    }
}

/// A token just created, with its secret: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenView {
    pub token: TokenView,
    /// `segur_pat_` followed by 64 hex digits; send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// What to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// 1 to 100 characters.
    pub name: String,
    /// `read` (GET, HEAD, OPTIONS only) or `write`.
    pub scope: String,
    /// 1 to 365.
    pub expires_in_days: i64,
}

/// Tokens the caller may see (own, or the organisation's for account managers), newest first.
pub(crate) async fn visible_tokens(
    state: &AppState,
    user: &UserRecord,
) -> Result<Vec<ApiTokenRecord>, ApiError> {
    let (tenant, manages) = crate::access::token_tenant(state, user);
    let only = (!manages).then_some(user.id.as_str());
    Ok(tenant.list_api_tokens(only).await?)
}

/// Creates a token for the caller; shared with the page.
pub(crate) async fn create(
    state: &AppState,
    user: &UserRecord,
    meta: &RequestMeta,
    name: &str,
    scope: &str,
    expires_in_days: i64,
) -> Result<segur_store::CreatedApiToken, ApiError> {
    let scope = TokenScope::parse(scope).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidBody, "portée attendue : read ou write").with_field("scope")
    })?;
    let (tenant, _) = crate::access::token_tenant(state, user);
    let new = NewApiToken {
        name: name.to_owned(),
        scope,
        expires_in_days,
    };
    Ok(tenant
        .create_api_token(user, &new, &meta.audit(user, "", ""))
        .await?)
}

/// Revokes a token the caller may manage; another organisation's (or, for a user who does
/// not manage accounts, a colleague's) is not found.
pub(crate) async fn revoke(
    state: &AppState,
    user: &UserRecord,
    meta: &RequestMeta,
    id: &str,
) -> Result<ApiTokenRecord, ApiError> {
    let (tenant, manages) = crate::access::token_tenant(state, user);
    let not_found = || ApiError::not_found("jeton");
    let token = tenant.get_api_token(id).await.map_err(|e| match e {
        StoreError::NotFound => not_found(),
        other => other.into(),
    })?;
    if !manages && token.user_id != user.id {
        return Err(not_found());
    }
    Ok(tenant
        .revoke_api_token(id, &meta.audit(user, "", ""))
        .await?)
}

/// The API tokens of my organisation I may see, with their last use (never the secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "compte", security(("session" = [])),
    responses((status = 200, body = [TokenView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    SessionApiUser(user): SessionApiUser,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = visible_tokens(&state, &user).await?;
    Ok(Json(tokens.iter().map(TokenView::new).collect()))
}

/// Creates an API token acting as me in my organisation; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "compte", security(("session" = [])),
    request_body = NewTokenBody,
    responses((status = 201, body = CreatedTokenView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    SessionApiUser(user): SessionApiUser,
    meta: RequestMeta,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedTokenView>), ApiError> {
    let value = crate::financing::parse_json_body(&body)?;
    let b: NewTokenBody = serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("corps invalide : {e}")))?;
    let created = create(&state, &user, &meta, &b.name, &b.scope, b.expires_in_days).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenView {
            token: TokenView::new(&created.token),
            secret: created.secret,
        }),
    ))
}

/// Revokes a token at once (idempotent). Another organisation's token is not found.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "compte", security(("session" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses((status = 200, body = TokenView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    SessionApiUser(user): SessionApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TokenView>, ApiError> {
    let token = revoke(&state, &user, &meta, &id).await?;
    Ok(Json(TokenView::new(&token)))
}
