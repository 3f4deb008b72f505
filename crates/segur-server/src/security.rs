//! Cross-cutting HTTP layers: security headers, CSRF (Fetch Metadata / Origin check), body size
//! and time limits, request ids, tracing, compression, and a panic guard.
//!
//! CSRF and API tokens: the CSRF layer lets through requests that carry neither `Origin` nor
//! `Sec-Fetch-Site` (curl, scripts), so `Authorization: Bearer` clients need nothing more; a
//! browser's cross-site request is still refused, bearer or not.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Content-Security-Policy: no inline script or style, nothing from another origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The body-size limit and the request timeout, on the routes of `router` (the upload routes,
/// merged afterwards, stream files of several GiB and have their own limits).
pub fn limits(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let config = state.config();
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_body,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
}

/// Wraps the router with every other cross-cutting layer, outermost last.
pub fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let config = state.config();
    let mut router = router
        .layer(CsrfLayer::new())
        .layer(axum::middleware::from_fn(crate::error::uniform_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CompressionLayer::new());
    if config.secure_cookies {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    router
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        // Outermost: API token secrets and session cookies are marked sensitive before any
        // layer could log headers, so they are never written to the logs.
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
}

/// Request body limit: `max_body_bytes`, except on the pentest form upload routes
/// ([`crate::pentest::MAX_REQUEST_BYTES`]) and the attestation checks (PDF uploads). A declared `Content-Length` above the limit is
/// refused at once (413); a body that grows past it fails when read.
async fn limit_body(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let limit = if crate::pentest::is_upload_path(path) {
        crate::pentest::MAX_REQUEST_BYTES
    } else if crate::api::instruction::is_attestation_upload_path(path) {
        crate::api::instruction::MAX_ATTESTATION_PDF_BYTES
    } else if crate::instruction::is_message_path(path) {
        crate::instruction::MAX_MESSAGE_REQUEST_BYTES
    } else {
        state.config().max_body_bytes
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}
