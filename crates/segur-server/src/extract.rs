//! Extractors that carry who the caller is.
//!
//! `ApiUser` and `PageUser` both load the session user; they differ only in how they refuse an
//! anonymous caller (401 JSON vs. a redirect to the sign-in page). `MaybeUser` never refuses.
//!
//! `ApiUser` alone also accepts an API token (`Authorization: Bearer segur_pat_…`), and only
//! under `/api/`: pages never do. When an `Authorization` header is present it alone decides
//! (the session cookie is ignored). An unknown, expired or revoked token is one 401 with no
//! hint which. A `read` token is refused (403) on every state-changing method (anything but
//! GET, HEAD, OPTIONS) — enforced here, once, from the request method, so that a route cannot
//! forget it; routes that only compute (e.g. `POST /api/v1/financing/simulate`) need `write`
//! too.
//! `ApiQuery`/`ApiPath` turn axum's rejections into the API's JSON errors.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use segur_domain::authz::Actor;
use segur_store::{TokenScope, UserRecord};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "segur_session";

/// The session token from the `Cookie` header, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    session_token_from_headers(&parts.headers)
}

/// The session token from a `Cookie` header map, if any.
pub fn session_token_from_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

async fn load_user(parts: &Parts, state: &AppState) -> Result<Option<UserRecord>, ApiError> {
    let Some(token) = session_token(parts) else {
        return Ok(None);
    };
    let idle = i64::try_from(state.config().session_idle.as_secs()).unwrap_or(i64::MAX);
    Ok(state
        .store()
        .system()
        .session_user_idle(&token, idle)
        .await?)
}

/// How an API caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAuth {
    Session,
    Token(TokenScope),
}

fn token_refused() -> ApiError {
    // Same answer for unknown, expired, revoked and malformed: no hint which.
    ApiError::new(ErrorCode::Unauthenticated, "jeton d'API refusé")
}

/// The user behind an API request: the bearer token if an `Authorization` header is present
/// (under `/api/` only), else the session cookie.
async fn load_api_user(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<(UserRecord, ApiAuth)>, ApiError> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION);
    let Some(header) = header.filter(|_| parts.uri.path().starts_with("/api/")) else {
        return Ok(load_user(parts, state)
            .await?
            .map(|u| (u, ApiAuth::Session)));
    };
    let secret = header
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .ok_or_else(token_refused)?;
    let found = state
        .store()
        .system()
        .api_token_user(secret)
        .await?
        .ok_or_else(token_refused)?;
    if found.scope == TokenScope::Read && !parts.method.is_safe() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "jeton en lecture seule : la méthode {} demande un jeton en écriture",
                parts.method
            ),
        ));
    }
    Ok(Some((found.user, ApiAuth::Token(found.scope))))
}

/// The caller as seen by the authorization policy.
pub fn actor(user: &UserRecord) -> Actor {
    Actor {
        role: user.role,
        organisation_id: user.organisation_id.clone(),
        organisation_kind: user.organisation_kind,
    }
}

/// A signed-in user or an API token's creator, for API routes (401 JSON otherwise).
pub struct ApiUser(pub UserRecord);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load_api_user(parts, state).await? {
            Some((u, _)) => Ok(Self(u)),
            None => Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "authentification requise",
            )),
        }
    }
}

/// A user signed in with a session, for API routes that an API token must not reach (managing
/// tokens: a token could otherwise mint its own successors and outlive its expiry).
pub struct SessionApiUser(pub UserRecord);

impl FromRequestParts<AppState> for SessionApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load_api_user(parts, state).await? {
            Some((u, ApiAuth::Session)) => Ok(Self(u)),
            Some((_, ApiAuth::Token(_))) => Err(ApiError::new(
                ErrorCode::Forbidden,
                "les jetons d'API se gèrent depuis une session, pas avec un jeton",
            )),
            None => Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "authentification requise",
            )),
        }
    }
}

/// A signed-in user, for pages (redirect to the sign-in page otherwise).
pub struct PageUser(pub UserRecord);

/// Refusal of [`PageUser`]: back to sign-in, remembering where the user was going.
pub struct ToSignIn(String);

impl IntoResponse for ToSignIn {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/connexion?suivant={}", urlencode(&self.0))).into_response()
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load_user(parts, state).await {
            Ok(Some(u)) => Ok(Self(u)),
            Ok(None) => {
                let target = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(ToSignIn(target.to_owned()).into_response())
            }
            Err(e) => Err(crate::error::PageError::from(e).into_response()),
        }
    }
}

/// The signed-in user if any (home page, public pages).
pub struct MaybeUser(pub Option<UserRecord>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(load_user(parts, state).await.ok().flatten()))
    }
}

/// `Query` whose rejection is the API's JSON error.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejection is the API's JSON error.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Percent-encodes a path for a query parameter (only what a redirect target needs).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site relative paths are accepted as post-login targets (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 512 =>
        {
            n.to_owned()
        }
        _ => "/tableau-de-bord".to_owned(),
    }
}

/// Request id and client address, for audit events.
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl RequestMeta {
    /// An audit entry by `user` for this request.
    pub fn audit(
        &self,
        user: &UserRecord,
        action: &str,
        object: impl Into<String>,
    ) -> segur_store::AuditEntry {
        segur_store::AuditEntry::new(action, object)
            .by(user)
            .with_request(self.request_id.clone(), self.ip.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(64).collect());
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Self { request_id, ip })
    }
}
