//! The second factor (TOTP): the code step of a sign-in (`/connexion/code`), the mandatory
//! enrolment of agency roles (`/connexion/activation`) and the account security page
//! (`/compte/securite`: password, second factor, recovery codes).
//!
//! Every step that raises what a session can do ends in a new session token
//! (`SystemStore::promote_session`, `enable_totp`, `change_password`): an identifier known
//! before the step is worthless after it.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use segur_domain::identity::requires_second_factor;
use segur_store::{AuditEntry, CodeCheck, SessionStage, StagedSession, UserRecord};
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta, safe_next, session_token_from_headers};
use crate::pages::auth::{cookie, minutes};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NextQuery {
    suivant: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct CodePage {
    pub layout: Layout,
    pub error: Option<String>,
    pub next: String,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub next: String,
    /// Where the form posts: the sign-in step or the security page.
    pub action: &'static str,
    pub secret_grouped: String,
    pub otpauth_url: String,
    pub qr_svg: String,
    pub mandatory: bool,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub layout: Layout,
    pub codes: Vec<String>,
    pub next: String,
}

#[derive(Template)]
#[template(path = "security.html")]
pub struct SecurityPage {
    pub layout: Layout,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub enabled_at: Option<String>,
    pub codes_left: i64,
    pub mandatory: bool,
}

/// The staged session of the request at `stage`, with its token.
async fn staged(
    state: &AppState,
    headers: &HeaderMap,
    stage: SessionStage,
) -> Option<(String, StagedSession)> {
    let token = session_token_from_headers(headers)?;
    match state.store().system().staged_session(&token).await {
        Ok(Some(s)) if s.stage == stage => Some((token, s)),
        Ok(_) => None,
        Err(e) => {
            tracing::error!(error = %e, "staged session lookup failed");
            None
        }
    }
}

fn now_unix() -> u64 {
    jiff::Timestamp::now().as_second().max(0) as u64
}

/// Renders the QR code of an `otpauth://` URL as inline SVG (no script, no external image).
fn qr_svg(url: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<svg::Color>()
                .min_dimensions(200, 200)
                .dark_color(svg::Color("#000000"))
                .light_color(svg::Color("#ffffff"))
                .build();
            let start = svg.find("<svg").unwrap_or(0);
            svg[start..].replacen(
                "<svg ",
                "<svg role=\"img\" aria-label=\"QR code de la clé du second facteur\" ",
                1,
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "QR code not rendered");
            String::new()
        }
    }
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn enrol_page(
    user: &UserRecord,
    secret: &str,
    next: String,
    action: &'static str,
    error: Option<String>,
    signed_in: bool,
) -> EnrolPage {
    let url = segur_store::totp_url(secret, &user.login).unwrap_or_default();
    EnrolPage {
        layout: Layout::new(
            "Activer le second facteur",
            signed_in.then_some(user),
            "security",
        ),
        error,
        next,
        action,
        secret_grouped: grouped(secret),
        qr_svg: qr_svg(&url),
        otpauth_url: url,
        mandatory: requires_second_factor(user.role),
    }
}

/// Throttling shared with the password step: the same keys (login and address), so that
/// guessing codes is as slow as guessing passwords.
fn throttle_keys(user: &UserRecord, meta: &RequestMeta) -> (String, Option<String>) {
    (
        format!("login:{}", segur_domain::text::fold(&user.login)),
        meta.ip.as_ref().map(|ip| format!("ip:{ip}")),
    )
}

async fn locked(state: &AppState, user: &UserRecord, meta: &RequestMeta) -> Option<i64> {
    let (login_key, ip_key) = throttle_keys(user, meta);
    let mut keys = vec![login_key.as_str()];
    keys.extend(ip_key.as_deref());
    let now = jiff::Timestamp::now().as_second();
    state
        .store()
        .system()
        .login_locked_for(&keys, now)
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "throttle lookup failed");
            Some(60)
        })
}

/// Counts a wrong code; returns the lock duration if the limit is now reached.
async fn count_failure(state: &AppState, user: &UserRecord, meta: &RequestMeta) -> Option<i64> {
    let (login_key, ip_key) = throttle_keys(user, meta);
    let config = state.config();
    let mut counted = vec![(login_key.as_str(), config.login_throttle_account)];
    if let Some(k) = ip_key.as_deref() {
        counted.push((k, config.login_throttle_ip));
    }
    let entry = AuditEntry::new(
        "auth.second_factor_failed",
        format!("compte {}", user.login),
    )
    .with_request(meta.request_id.clone(), meta.ip.clone());
    let now = jiff::Timestamp::now().as_second();
    match state
        .store()
        .system()
        .record_login_failure(&counted, now, &entry)
        .await
    {
        Ok(lock) => lock,
        Err(e) => {
            tracing::error!(error = %e, "second factor failure not recorded");
            None
        }
    }
}

fn too_many(lock: i64) -> String {
    format!(
        "Trop de tentatives : réessayez dans {} minute(s).",
        minutes(lock)
    )
}

pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    if staged(&state, &headers, SessionStage::SecondFactor)
        .await
        .is_none()
    {
        return Redirect::to("/connexion").into_response();
    }
    render_html(&CodePage {
        layout: Layout::new("Second facteur", None, "login"),
        error: None,
        next: safe_next(q.suivant.as_deref()),
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: Option<String>,
}

/// The code step: a TOTP code (6 digits) or a recovery code. On success the staged session
/// is replaced by a full one under a new token.
pub async fn code_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
    Form(form): Form<CodeForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let Some((token, session)) = staged(&state, &headers, SessionStage::SecondFactor).await else {
        return Redirect::to("/connexion").into_response();
    };
    let user = session.user;
    let refuse = |message: String, status: StatusCode| {
        (
            status,
            render_html(&CodePage {
                layout: Layout::new("Second facteur", None, "login"),
                error: Some(message),
                next: next.clone(),
            }),
        )
            .into_response()
    };
    if let Some(lock) = locked(&state, &user, &meta).await {
        return refuse(too_many(lock), StatusCode::TOO_MANY_REQUESTS);
    }
    let code: String = form.code.chars().take(64).collect();
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let system = state.store().system();
    let outcome = if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        system.check_totp(&user.id, &digits, now_unix()).await
    } else {
        let entry = meta.audit(&user, "", "");
        system
            .use_recovery_code(&user.id, &code, &entry)
            .await
            .map(|ok| {
                if ok {
                    CodeCheck::Accepted
                } else {
                    CodeCheck::Refused
                }
            })
    };
    match outcome {
        Ok(CodeCheck::Accepted) => {
            let ttl = state.config().session_ttl.as_secs() as i64;
            let entry = meta.audit(
                &user,
                "auth.sign_in",
                format!("compte {} (second facteur)", user.login),
            );
            match system.promote_session(&token, &user.id, ttl, &entry).await {
                Ok(new_token) => {
                    let _ = system
                        .clear_login_failures(&throttle_keys(&user, &meta).0)
                        .await;
                    let mut h = HeaderMap::new();
                    h.insert(SET_COOKIE, cookie(&state, &new_token, ttl));
                    (h, Redirect::to(&next)).into_response()
                }
                Err(e) => {
                    tracing::error!(error = %e, "session promotion failed");
                    refuse(
                        "Le service est momentanément indisponible.".into(),
                        StatusCode::SERVICE_UNAVAILABLE,
                    )
                }
            }
        }
        Ok(CodeCheck::Replayed) => refuse(
            "Ce code a déjà été utilisé : attendez le code suivant de votre application.".into(),
            StatusCode::UNAUTHORIZED,
        ),
        Ok(CodeCheck::Refused) => match count_failure(&state, &user, &meta).await {
            Some(lock) => refuse(too_many(lock), StatusCode::TOO_MANY_REQUESTS),
            None => refuse("Code incorrect ou expiré.".into(), StatusCode::UNAUTHORIZED),
        },
        Err(e) => {
            tracing::error!(error = %e, "second factor check failed");
            refuse(
                "Le service est momentanément indisponible.".into(),
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
}

/// The secret being offered on this session, created on first display.
async fn offered_secret(state: &AppState, token: &str) -> Result<String, PageError> {
    let system = state.store().system();
    if let Some(secret) = system.pending_secret(token).await? {
        return Ok(secret);
    }
    let secret = segur_store::new_totp_secret();
    system.set_pending_secret(token, &secret).await?;
    Ok(secret)
}

/// Mandatory enrolment during sign-in (agency and administrator roles).
pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let Some((token, session)) = staged(&state, &headers, SessionStage::Enrol).await else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    let secret = offered_secret(&state, &token).await?;
    Ok(render_html(&enrol_page(
        &session.user,
        &secret,
        safe_next(q.suivant.as_deref()),
        "/connexion/activation",
        None,
        false,
    )))
}

/// Confirms an enrolment with a first code: stores the secret, shows the recovery codes once
/// and signs in under a new token.
async fn confirm_enrolment(
    state: &AppState,
    token: &str,
    user: &UserRecord,
    code: &str,
    next: String,
    meta: &RequestMeta,
    signed_in: bool,
) -> Result<Response, PageError> {
    let action = if signed_in {
        "/compte/securite/activation"
    } else {
        "/connexion/activation"
    };
    let system = state.store().system();
    let Some(secret) = system.pending_secret(token).await? else {
        return Ok(Redirect::to(action).into_response());
    };
    if let Some(lock) = locked(state, user, meta).await {
        let page = enrol_page(user, &secret, next, action, Some(too_many(lock)), signed_in);
        return Ok((StatusCode::TOO_MANY_REQUESTS, render_html(&page)).into_response());
    }
    let entry = meta.audit(user, "", "");
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(16)
        .collect();
    match system
        .enable_totp(&user.id, &secret, &code, now_unix(), &entry)
        .await?
    {
        Some(codes) => {
            let ttl = state.config().session_ttl.as_secs() as i64;
            let sign_in = meta.audit(
                user,
                "auth.sign_in",
                format!("compte {} (second facteur activé)", user.login),
            );
            let new_token = system
                .create_session_audited(&user.id, ttl, &sign_in)
                .await?;
            let mut h = HeaderMap::new();
            h.insert(SET_COOKIE, cookie(state, &new_token, ttl));
            let page = RecoveryCodesPage {
                layout: Layout::new("Codes de secours", Some(user), "security"),
                codes,
                next,
            };
            Ok((h, render_html(&page)).into_response())
        }
        None => {
            let lock = count_failure(state, user, meta).await;
            let message = lock.map(too_many).unwrap_or_else(|| {
                "Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché."
                    .into()
            });
            let page = enrol_page(user, &secret, next, action, Some(message), signed_in);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&page)).into_response())
        }
    }
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let Some((token, session)) = staged(&state, &headers, SessionStage::Enrol).await else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    confirm_enrolment(
        &state,
        &token,
        &session.user,
        &form.code,
        next,
        &meta,
        false,
    )
    .await
}

async fn security_page(
    state: &AppState,
    user: &UserRecord,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SecurityPage, PageError> {
    let status = state
        .store()
        .system()
        .second_factor_status(&user.id)
        .await?;
    Ok(SecurityPage {
        layout: Layout::new("Sécurité du compte", Some(user), "security"),
        notice,
        error,
        enabled_at: status.enabled_at.map(|t| t.chars().take(10).collect()),
        codes_left: status.recovery_codes_left,
        mandatory: requires_second_factor(user.role),
    })
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    message: Option<String>,
}

pub async fn security(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.message.map(|m| m.chars().take(200).collect());
    Ok(render_html(
        &security_page(&state, &user, notice, None).await?,
    ))
}

/// Optional enrolment from the security page (editor roles).
pub async fn security_enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    // Replacing an active second factor needs it first turned off (with a code): a stolen
    // session alone must not be able to swap it.
    if state.store().system().has_second_factor(&user.id).await? {
        return Ok(Redirect::to("/compte/securite").into_response());
    }
    let token = session_token_from_headers(&headers).ok_or_else(PageError::not_found)?;
    let secret = offered_secret(&state, &token).await?;
    Ok(render_html(&enrol_page(
        &user,
        &secret,
        "/compte/securite".into(),
        "/compte/securite/activation",
        None,
        true,
    )))
}

pub async fn security_enrol_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    if state.store().system().has_second_factor(&user.id).await? {
        return Ok(Redirect::to("/compte/securite").into_response());
    }
    let token = session_token_from_headers(&headers).ok_or_else(PageError::not_found)?;
    confirm_enrolment(
        &state,
        &token,
        &user,
        &form.code,
        "/compte/securite".into(),
        &meta,
        true,
    )
    .await
}

#[derive(Deserialize)]
pub struct CodeOnly {
    #[serde(default)]
    code: String,
}

/// New recovery codes (a current TOTP code is required: a stolen session alone cannot mint
/// codes).
pub async fn regenerate_codes(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<CodeOnly>,
) -> Result<Response, PageError> {
    let system = state.store().system();
    if let Some(lock) = locked(&state, &user, &meta).await {
        let page = security_page(&state, &user, None, Some(too_many(lock))).await?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, render_html(&page)).into_response());
    }
    let code: String = form
        .code
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(16)
        .collect();
    match system.check_totp(&user.id, &code, now_unix()).await? {
        CodeCheck::Accepted => {
            let entry = meta.audit(&user, "", "");
            let codes = system.regenerate_recovery_codes(&user.id, &entry).await?;
            Ok(render_html(&RecoveryCodesPage {
                layout: Layout::new("Codes de secours", Some(&user), "security"),
                codes,
                next: "/compte/securite".into(),
            }))
        }
        CodeCheck::Replayed | CodeCheck::Refused => {
            count_failure(&state, &user, &meta).await;
            let page = security_page(
                &state,
                &user,
                None,
                Some("Code incorrect, expiré ou déjà utilisé.".into()),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&page)).into_response())
        }
    }
}

/// Turns the second factor off, for roles that do not require it (a current code is needed).
pub async fn disable(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<CodeOnly>,
) -> Result<Response, PageError> {
    if requires_second_factor(user.role) {
        return Err(PageError::forbidden());
    }
    let system = state.store().system();
    let code: String = form
        .code
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(16)
        .collect();
    match system.check_totp(&user.id, &code, now_unix()).await? {
        CodeCheck::Accepted => {
            system
                .disable_totp(&user, &meta.audit(&user, "", ""))
                .await?;
            Ok(
                Redirect::to("/compte/securite?message=Second%20facteur%20d%C3%A9sactiv%C3%A9.")
                    .into_response(),
            )
        }
        _ => {
            count_failure(&state, &user, &meta).await;
            let page = security_page(
                &state,
                &user,
                None,
                Some("Code incorrect, expiré ou déjà utilisé.".into()),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&page)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Password change: checks the current one, applies the rules, ends every other session and
/// continues under a new token.
pub async fn change_password(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let fail = |message: String| async {
        let page = security_page(&state, &user, None, Some(message)).await?;
        Ok::<Response, PageError>(
            (StatusCode::UNPROCESSABLE_ENTITY, render_html(&page)).into_response(),
        )
    };
    if form.new != form.confirm {
        return fail("Les deux saisies du nouveau mot de passe diffèrent.".into()).await;
    }
    if form.current.len() > 1024 || form.new.len() > 1024 {
        return fail("Mot de passe trop long.".into()).await;
    }
    if let Some(lock) = locked(&state, &user, &meta).await {
        return fail(too_many(lock)).await;
    }
    let ttl = state.config().session_ttl.as_secs() as i64;
    let entry = meta.audit(&user, "", "");
    match state
        .store()
        .system()
        .change_password(&user, form.current.clone(), form.new.clone(), ttl, &entry)
        .await
    {
        Ok(token) => {
            let mut h = HeaderMap::new();
            h.insert(SET_COOKIE, cookie(&state, &token, ttl));
            Ok((
                h,
                Redirect::to(
                    "/compte/securite?message=Mot%20de%20passe%20modifi%C3%A9%20%3A%20vos%20autres%20sessions%20sont%20ferm%C3%A9es.",
                ),
            )
                .into_response())
        }
        Err(segur_store::StoreError::Invalid(message)) => {
            if message.contains("actuel") {
                count_failure(&state, &user, &meta).await;
            }
            let mut m = message;
            if let Some(first) = m.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            fail(format!("{m}.")).await
        }
        Err(e) => Err(e.into()),
    }
}
