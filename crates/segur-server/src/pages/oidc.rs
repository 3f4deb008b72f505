//! Sign-in through OpenID Connect providers (see `crate::oidc` and docs/oidc.md).
//!
//! - `GET /connexion/oidc/{provider}` — starts: state, nonce and PKCE verifier kept server-side
//!   (single use, 10 minutes), `state` also in a short cookie bound to this browser; redirect
//!   to the provider.
//! - `GET /connexion/oidc/{provider}/retour` — the provider's answer: state checked (cookie
//!   and server record, taken once), code exchanged, ID token verified, identifier read; then
//!   a staff identity opens the linked account's session, a health professional a
//!   professional session.
//! - `GET /professionnel`, `POST /professionnel/deconnexion` — the professional's page and
//!   sign-out.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use segur_domain::identity::requires_second_factor;
use segur_store::{STAGED_SESSION_SECONDS, SessionStage};

use crate::config::{OidcAudience, OidcProviderConfig};
use crate::error::PageError;
use crate::extract::{RequestMeta, SESSION_COOKIE, safe_next, urlencode};
use crate::oidc::{Failure, PENDING_TTL_SECONDS};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// Cookie binding an authorization request to the browser that started it.
const STATE_COOKIE: &str = "segur_oidc_state";
/// Cookie of a health professional's session.
pub const PRO_COOKIE: &str = "segur_pro_session";

/// A button of the sign-in page.
pub struct ProviderLink {
    pub href: String,
    pub label: String,
    pub audience: &'static str,
}

/// The provider buttons of the sign-in page, carrying the post-sign-in target.
pub fn provider_links(state: &AppState, next: &str) -> Vec<ProviderLink> {
    state
        .oidc()
        .providers()
        .iter()
        .map(|p| ProviderLink {
            href: format!("/connexion/oidc/{}?suivant={}", p.id, urlencode(next)),
            label: p.label.clone(),
            audience: match p.audience {
                OidcAudience::Staff => "comptes éditeurs et agences",
                OidcAudience::Professional => "professionnels de santé",
            },
        })
        .collect()
}

fn cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("segur_oidc_state=; Max-Age=0"))
}

fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    PageError {
        status,
        title: title.into(),
        message: message.into(),
    }
    .into_response()
}

fn unknown_provider() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Fournisseur d'identité inconnu",
        "Ce moyen de connexion n'est pas proposé par ce service.",
    )
}

#[derive(Deserialize)]
pub struct StartQuery {
    suivant: Option<String>,
}

/// Starts a sign-in at `provider`.
pub async fn start(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(provider) = state.oidc().provider(&provider_id).cloned() else {
        return unknown_provider();
    };
    let started = match state.oidc().start(&provider).await {
        Ok(s) => s,
        Err(f) => {
            tracing::warn!(provider = %provider.id, reason = %f.reason, "OIDC sign-in not started");
            return page(f.status, "Connexion impossible", f.message);
        }
    };
    let pending = segur_store::OidcPending {
        provider: provider.id.clone(),
        nonce: started.nonce,
        pkce_verifier: started.pkce_verifier,
        next_path: safe_next(q.suivant.as_deref()),
    };
    if let Err(e) = state
        .store()
        .system()
        .oidc_begin(&started.state, &pending, PENDING_TTL_SECONDS)
        .await
    {
        tracing::error!(error = %e, "OIDC pending request not stored");
        return PageError::from(e).into_response();
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        cookie(
            &state,
            STATE_COOKIE,
            &started.state,
            "/connexion/oidc",
            PENDING_TTL_SECONDS,
        ),
    );
    match HeaderValue::from_str(&started.authorize_url) {
        Ok(location) => {
            headers.insert(LOCATION, location);
            (StatusCode::SEE_OTHER, headers).into_response()
        }
        Err(_) => PageError::internal().into_response(),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207 issuer of the response, when the provider sends it (mix-up defence).
    iss: Option<String>,
}

/// Refuses a sign-in: logged (reason without secrets), audited, French page, state cookie
/// cleared.
async fn refuse(
    state: &AppState,
    meta: &RequestMeta,
    provider: &str,
    failure: Failure,
) -> Response {
    tracing::warn!(provider = %provider, reason = %failure.reason, "OIDC sign-in refused");
    let entry = segur_store::AuditEntry::new(
        "auth.oidc.failure",
        format!("{provider} : {}", truncate(&failure.reason, 300)),
    )
    .with_request(meta.request_id.clone(), meta.ip.clone());
    if let Err(e) = state.store().system().audit_event(&entry).await {
        tracing::error!(error = %e, "OIDC failure not audited");
    }
    let mut response = page(failure.status, "Connexion refusée", failure.message);
    response.headers_mut().append(
        SET_COOKIE,
        cookie(state, STATE_COOKIE, "", "/connexion/oidc", 0),
    );
    response
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(n).collect()
}

/// The provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    meta: RequestMeta,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = state.oidc().provider(&provider_id).cloned() else {
        return unknown_provider();
    };
    let Some(returned_state) = q.state.filter(|s| !s.is_empty() && s.len() <= 128) else {
        return refuse(
            &state,
            &meta,
            &provider.id,
            Failure::expired("no state".into()),
        )
        .await;
    };
    // The state must be the one this browser was given (login CSRF) …
    if read_cookie(&headers, STATE_COOKIE).as_deref() != Some(returned_state.as_str()) {
        return refuse(
            &state,
            &meta,
            &provider.id,
            Failure::expired("state does not match this browser's".into()),
        )
        .await;
    }
    // … and one the server issued, not used yet (taken: a replay finds nothing).
    let pending = match state
        .store()
        .system()
        .oidc_take_pending(&returned_state)
        .await
    {
        Ok(Some(p)) if p.provider == provider.id => p,
        Ok(_) => {
            return refuse(
                &state,
                &meta,
                &provider.id,
                Failure::expired("unknown, expired or already used state".into()),
            )
            .await;
        }
        Err(e) => {
            tracing::error!(error = %e, "OIDC pending request lookup failed");
            return PageError::from(e).into_response();
        }
    };
    if let Some(iss) = q.iss.as_deref()
        && iss != provider.issuer
    {
        return refuse(
            &state,
            &meta,
            &provider.id,
            Failure::refused("response issuer (iss) is not the provider's".into()),
        )
        .await;
    }
    if let Some(error) = q.error {
        return refuse(
            &state,
            &meta,
            &provider.id,
            Failure::refused(format!("provider returned error {}", truncate(&error, 64))),
        )
        .await;
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return refuse(
            &state,
            &meta,
            &provider.id,
            Failure::refused("no code".into()),
        )
        .await;
    };
    let verified = match state
        .oidc()
        .finish(&provider, &code, &pending.nonce, &pending.pkce_verifier)
        .await
    {
        Ok(v) => v,
        Err(f) => return refuse(&state, &meta, &provider.id, f).await,
    };
    match provider.audience {
        OidcAudience::Staff => {
            let previous = read_cookie(&headers, SESSION_COOKIE);
            sign_in_staff(&state, &meta, &provider, verified, &pending, previous).await
        }
        OidcAudience::Professional => {
            sign_in_professional(&state, &meta, &provider, verified).await
        }
    }
}

async fn sign_in_staff(
    state: &AppState,
    meta: &RequestMeta,
    provider: &OidcProviderConfig,
    verified: crate::oidc::Verified,
    pending: &segur_store::OidcPending,
    previous_session: Option<String>,
) -> Response {
    let system = state.store().system();
    let user = match system
        .oidc_identity_user(&provider.id, &verified.identifier)
        .await
    {
        Ok(Some(u)) => u,
        Ok(None) => {
            return refuse(
                state,
                meta,
                &provider.id,
                Failure {
                    status: StatusCode::FORBIDDEN,
                    reason: format!(
                        "identity {} is linked to no account",
                        truncate(&verified.identifier, 256)
                    ),
                    message: "Aucun compte segur n'est lié à cette identité. Demandez au mandataire de votre organisation (ou à l'administrateur de la plateforme) de lier votre identité à votre compte.",
                },
            )
            .await;
        }
        Err(e) => {
            tracing::error!(error = %e, "OIDC identity lookup failed");
            return PageError::from(e).into_response();
        }
    };
    // A fresh session; the one the browser held before, if any, ends (no fixation).
    if let Some(previous) = previous_session
        && let Err(e) = system.delete_session(&previous).await
    {
        tracing::warn!(error = %e, "previous session not ended");
    }
    // The provider replaces the password, not the second factor: an account with one (or
    // whose role requires one) gets the same staged session as after a password.
    let stage = match system.has_second_factor(&user.id).await {
        Ok(true) => SessionStage::SecondFactor,
        Ok(false) if requires_second_factor(user.role) => SessionStage::Enrol,
        Ok(false) => SessionStage::Full,
        Err(e) => {
            tracing::error!(error = %e, "second factor lookup failed");
            return PageError::from(e).into_response();
        }
    };
    let full_ttl = i64::try_from(state.config().session_ttl.as_secs()).unwrap_or(8 * 3600);
    let next = safe_next(Some(&pending.next_path));
    let (created, ttl, target) = match stage {
        SessionStage::Full => (
            system.create_session(&user.id, full_ttl).await,
            full_ttl,
            next,
        ),
        staged => {
            let page = if staged == SessionStage::SecondFactor {
                "/connexion/code"
            } else {
                "/connexion/activation"
            };
            (
                system.create_staged_session(&user.id, staged).await,
                STAGED_SESSION_SECONDS,
                format!("{page}?suivant={}", urlencode(&next)),
            )
        }
    };
    let token = match created {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "session creation failed");
            return PageError::from(e).into_response();
        }
    };
    let entry = meta.audit(
        &user,
        "auth.oidc.sign_in",
        if stage == SessionStage::Full {
            format!("connexion de {} par {}", user.login, provider.id)
        } else {
            format!(
                "connexion de {} par {} (second facteur à saisir)",
                user.login, provider.id
            )
        },
    );
    let expires = jiff::Timestamp::now().as_second().saturating_add(ttl);
    if let Err(e) = system
        .oidc_record_sign_in(
            &token,
            &provider.id,
            &verified.identifier,
            &verified.id_token,
            expires,
            &entry,
        )
        .await
    {
        // No audited sign-in, no session.
        tracing::error!(error = %e, "OIDC sign-in not recorded");
        let _ = system.delete_session(&token).await;
        return PageError::from(e).into_response();
    }
    let mut headers = HeaderMap::new();
    headers.append(SET_COOKIE, cookie(state, SESSION_COOKIE, &token, "/", ttl));
    headers.append(
        SET_COOKIE,
        cookie(state, STATE_COOKIE, "", "/connexion/oidc", 0),
    );
    (headers, Redirect::to(&target)).into_response()
}

async fn sign_in_professional(
    state: &AppState,
    meta: &RequestMeta,
    provider: &OidcProviderConfig,
    verified: crate::oidc::Verified,
) -> Response {
    let ttl = i64::try_from(state.config().session_ttl.as_secs()).unwrap_or(8 * 3600);
    let entry =
        segur_store::AuditEntry::new("", "").with_request(meta.request_id.clone(), meta.ip.clone());
    let token = match state
        .store()
        .system()
        .create_pro_session(
            &provider.id,
            &verified.identifier,
            &verified.display_name,
            &verified.id_token,
            ttl,
            &entry,
        )
        .await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "professional session creation failed");
            return PageError::from(e).into_response();
        }
    };
    let mut headers = HeaderMap::new();
    headers.append(SET_COOKIE, cookie(state, PRO_COOKIE, &token, "/", ttl));
    headers.append(
        SET_COOKIE,
        cookie(state, STATE_COOKIE, "", "/connexion/oidc", 0),
    );
    (headers, Redirect::to("/professionnel")).into_response()
}

/// The end-session URL of the provider a staff session came from, if any; forgets the
/// session's provider record. Call before deleting the session.
pub async fn rp_logout_url(state: &AppState, session_token: &str) -> Option<String> {
    match state.store().system().oidc_end_session(session_token).await {
        Ok(Some(ended)) => {
            state
                .oidc()
                .logout_url(&ended.provider, &ended.id_token)
                .await
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC session record not read at logout");
            None
        }
    }
}

#[derive(Template)]
#[template(path = "professional.html")]
pub struct ProfessionalPage {
    pub layout: Layout,
    pub name: String,
    pub identifier: String,
    pub provider: String,
    pub orders: Vec<OrderRow>,
}

pub struct OrderRow {
    pub editor: String,
    pub id: String,
    pub dispositif: String,
    pub signed_on: String,
    pub amount: String,
}

fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let units = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}\u{a0}€", c % 100)
}

async fn pro_session(
    state: &AppState,
    parts_headers: &HeaderMap,
) -> Result<Option<(String, segur_store::ProSession)>, PageError> {
    let Some(token) = read_cookie(parts_headers, PRO_COOKIE) else {
        return Ok(None);
    };
    let idle = i64::try_from(state.config().session_idle.as_secs()).unwrap_or(i64::MAX);
    Ok(state
        .store()
        .system()
        .pro_session(&token, idle)
        .await?
        .map(|s| (token, s)))
}

/// The health professional's page: who they are, and the financing orders whose client they
/// are (read-only). Nothing else is reachable with this session.
pub async fn professional(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match pro_session(&state, &headers).await {
        Ok(Some((_, s))) => s,
        Ok(None) => return Redirect::to("/connexion").into_response(),
        Err(e) => return e.into_response(),
    };
    let orders = match state
        .store()
        .system()
        .orders_for_client(&session.subject)
        .await
    {
        Ok(o) => o,
        Err(e) => return PageError::from(e).into_response(),
    };
    let provider = state
        .oidc()
        .provider(&session.provider)
        .map(|p| p.label.clone())
        .unwrap_or_else(|| session.provider.clone());
    render_html(&ProfessionalPage {
        layout: Layout::new("Espace professionnel de santé", None, "pro"),
        name: session.display_name,
        identifier: session.subject,
        provider,
        orders: orders
            .into_iter()
            .map(|o| OrderRow {
                editor: o.editor,
                id: o.id,
                dispositif: o.dispositif,
                signed_on: o.signed_on.unwrap_or_else(|| "non signé".into()),
                amount: euros(o.amount_ttc_cents),
            })
            .collect(),
    })
}

/// Ends the professional's session here, then at the provider when it offers RP-initiated
/// logout.
pub async fn professional_logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut target = "/".to_owned();
    if let Some(token) = read_cookie(&headers, PRO_COOKIE) {
        match state.store().system().delete_pro_session(&token).await {
            Ok(Some(ended)) => {
                if let Some(url) = state
                    .oidc()
                    .logout_url(&ended.provider, &ended.id_token)
                    .await
                {
                    target = url;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "professional session deletion failed"),
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie(&state, PRO_COOKIE, "", "/", 0));
    match HeaderValue::from_str(&target) {
        Ok(location) => {
            headers.insert(LOCATION, location);
            (StatusCode::SEE_OTHER, headers).into_response()
        }
        Err(_) => (headers, Redirect::to("/")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn euros_are_french() {
        assert_eq!(super::euros(123456789), "1\u{202f}234\u{202f}567,89\u{a0}€");
        assert_eq!(super::euros(5), "0,05\u{a0}€");
    }
}
