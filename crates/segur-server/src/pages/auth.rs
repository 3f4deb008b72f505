//! Local sign-in and sign-out. The second factor's pages are in `second_factor`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use segur_domain::identity::requires_second_factor;
use segur_store::{STAGED_SESSION_SECONDS, SessionStage};
use serde::Deserialize;

use crate::extract::{MaybeUser, RequestMeta, SESSION_COOKIE, safe_next, session_token};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub login: String,
    pub next: String,
    /// OpenID Connect providers offered (see `pages/oidc.rs`).
    pub providers: Vec<super::oidc::ProviderLink>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    suivant: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Response {
    if user.is_some() {
        return Redirect::to(&safe_next(q.suivant.as_deref())).into_response();
    }
    render_html(&LoginPage {
        layout: Layout::new("Connexion", None, "login"),
        error: None,
        login: String::new(),
        next: safe_next(q.suivant.as_deref()),
        providers: super::oidc::provider_links(&state, &safe_next(q.suivant.as_deref())),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub(crate) fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let raw = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&raw)
        .unwrap_or_else(|_| HeaderValue::from_static("segur_session=; Path=/; Max-Age=0"))
}

pub(crate) fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

/// Local sign-in. Failures are counted per login (existing or not) and per client address;
/// past the limits both are locked for a while, with the same answer whether the account
/// exists or not ([`crate::ServerConfig::login_throttle_account`]).
pub async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    Form(mut form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let refuse = |message: &str, status: StatusCode| {
        let page = LoginPage {
            layout: Layout::new("Connexion", None, "login"),
            error: Some(message.to_owned()),
            login: form.login.chars().take(64).collect(),
            next: next.clone(),
            providers: super::oidc::provider_links(&state, &next),
        };
        (status, render_html(&page)).into_response()
    };
    if form.login.len() > 200 || form.password.len() > 1024 {
        return refuse(
            "Identifiant ou mot de passe incorrect.",
            StatusCode::UNAUTHORIZED,
        );
    }
    let system = state.store().system();
    let now = jiff::Timestamp::now().as_second();
    let login_key = format!("login:{}", segur_domain::text::fold(form.login.trim()));
    let ip_key = meta.ip.as_ref().map(|ip| format!("ip:{ip}"));
    let mut keys = vec![login_key.as_str()];
    keys.extend(ip_key.as_deref());
    match system.login_locked_for(&keys, now).await {
        Ok(Some(left)) => {
            return refuse(
                &format!(
                    "Trop de tentatives de connexion : réessayez dans {} minute(s).",
                    minutes(left)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "login throttle lookup failed");
            return refuse(
                "Le service est momentanément indisponible.",
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    }
    let found = match system.find_user_for_login(form.login.trim()).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "login lookup failed");
            return refuse(
                "Le service est momentanément indisponible.",
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    };
    // Same answer whether the account exists or not; verify a hash either way so that timing
    // does not reveal it either. Argon2 takes tens of milliseconds: off the async workers.
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| segur_store::DUMMY_PASSWORD_HASH.to_owned());
    let password = std::mem::take(&mut form.password);
    let verified =
        tokio::task::spawn_blocking(move || segur_store::verify_password(&hash, &password))
            .await
            .unwrap_or(false);
    let ok = found.is_some() && verified;
    let Some((user, _)) = found.filter(|_| ok) else {
        let config = state.config();
        let mut counted = vec![(login_key.as_str(), config.login_throttle_account)];
        if let Some(k) = ip_key.as_deref() {
            counted.push((k, config.login_throttle_ip));
        }
        let entry = segur_store::AuditEntry::new("", "").with_request(meta.request_id, meta.ip);
        return match system.record_login_failure(&counted, now, &entry).await {
            Ok(Some(lock)) => refuse(
                &format!(
                    "Trop de tentatives de connexion : réessayez dans {} minute(s).",
                    minutes(lock)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Ok(None) => refuse(
                "Identifiant ou mot de passe incorrect.",
                StatusCode::UNAUTHORIZED,
            ),
            Err(e) => {
                tracing::error!(error = %e, "login failure not recorded");
                refuse(
                    "Identifiant ou mot de passe incorrect.",
                    StatusCode::UNAUTHORIZED,
                )
            }
        };
    };
    if let Err(e) = system.clear_login_failures(&login_key).await {
        tracing::warn!(error = %e, "login failures not cleared");
    }
    // The password alone signs in only accounts without a second factor whose role does not
    // require one; the others get a staged session that authenticates nothing until the code
    // is given (and then a new token: see `second_factor`).
    let stage = match system.has_second_factor(&user.id).await {
        Ok(true) => SessionStage::SecondFactor,
        Ok(false) if requires_second_factor(user.role) => SessionStage::Enrol,
        Ok(false) => SessionStage::Full,
        Err(e) => {
            tracing::error!(error = %e, "second factor lookup failed");
            return refuse(
                "Le service est momentanément indisponible.",
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    };
    let (created, ttl, target) = match stage {
        SessionStage::Full => {
            let ttl = state.config().session_ttl.as_secs() as i64;
            let entry =
                segur_store::AuditEntry::new("auth.sign_in", format!("compte {}", user.login))
                    .by(&user)
                    .with_request(meta.request_id.clone(), meta.ip.clone());
            (
                system.create_session_audited(&user.id, ttl, &entry).await,
                ttl,
                next.clone(),
            )
        }
        staged => {
            let page = if staged == SessionStage::SecondFactor {
                "/connexion/code"
            } else {
                "/connexion/activation"
            };
            (
                system.create_staged_session(&user.id, staged).await,
                STAGED_SESSION_SECONDS,
                format!("{page}?suivant={}", urlencoding_min(&next)),
            )
        }
    };
    match created {
        Ok(token) => {
            let mut headers = HeaderMap::new();
            headers.insert(SET_COOKIE, cookie(&state, &token, ttl));
            (headers, Redirect::to(&target)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "session creation failed");
            refuse(
                "Le service est momentanément indisponible.",
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
}

/// Percent-encodes a local path for a query parameter (it was checked by `safe_next`).
pub(crate) fn urlencoding_min(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn logout(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, _) = request.into_parts();
    // A session opened through a provider also ends there (RP-initiated logout).
    let mut op_logout = None;
    if let Some(token) = session_token(&parts) {
        op_logout = super::oidc::rp_logout_url(&state, &token).await;
        if let Err(e) = state.store().system().delete_session(&token).await {
            tracing::warn!(error = %e, "session deletion failed");
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie(&state, "", 0));
    if let Some(location) = op_logout.and_then(|u| HeaderValue::from_str(&u).ok()) {
        headers.insert(axum::http::header::LOCATION, location);
        return (StatusCode::SEE_OTHER, headers).into_response();
    }
    (headers, Redirect::to("/")).into_response()
}

/// « Se déconnecter partout » : ends every session of the signed-in user (audited).
pub async fn logout_everywhere(
    State(state): State<AppState>,
    crate::extract::PageUser(user): crate::extract::PageUser,
    meta: RequestMeta,
) -> Response {
    let entry = meta.audit(&user, "", "");
    if let Err(e) = state
        .store()
        .system()
        .sign_out_everywhere(&user.id, &entry)
        .await
    {
        tracing::error!(error = %e, "sign out everywhere failed");
        return crate::error::PageError::internal().into_response();
    }
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie(&state, "", 0));
    (headers, Redirect::to("/")).into_response()
}
