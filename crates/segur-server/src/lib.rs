#![doc = include_str!("../README.md")]

mod access;
mod api;
mod assets;
mod attestation;
pub mod bundle;
pub mod config;
pub mod error;
pub mod extract;
pub mod financing;
pub mod instruction;
mod media;
pub mod monitoring;
pub mod notify;
mod oidc;
mod openapi;
mod pages;
mod pentest;
pub mod scan;
mod security;
mod state;
pub mod uploads;
mod views;
pub mod webhooks;

use std::future::Future;

use tower_http::catch_panic::CatchPanicLayer;

pub use config::ServerConfig;
pub use openapi::openapi_document;
pub use state::AppState;

/// The whole HTTP surface: pages, JSON API, OpenAPI document, health probe and static assets.
pub fn router(state: AppState) -> axum::Router {
    let (api_router, _) = api::limited_router().split_for_parts();
    let (upload_router, _) = api::upload_router().split_for_parts();
    // Panics become a JSON 500 under /api and a French page elsewhere; the server keeps running.
    let api_router = api_router.layer(CatchPanicLayer::custom(|_| error::panic_response(true)));
    let pages_router =
        pages::router().layer(CatchPanicLayer::custom(|_| error::panic_response(false)));
    let upload_router = upload_router
        .merge(pages::upload_router())
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(CatchPanicLayer::custom(|_| error::panic_response(true)));
    let router = axum::Router::new()
        .merge(pages_router)
        .merge(api_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(openapi::serve_openapi),
        )
        .route("/health", axum::routing::get(api::health::health))
        .route("/static/{*path}", axum::routing::get(assets::serve_static));
    // Layers wrap the routes present when they are added: the body limit and the timeout
    // cover everything but the upload routes merged afterwards.
    let router = security::limits(router, &state)
        .merge(upload_router)
        .fallback(error::fallback);
    security::apply(router, &state).with_state(state)
}

/// Serves `router(state)` on an already bound listener until `shutdown` resolves.
///
/// Taking a listener (rather than an address) lets tests bind port 0 and read the port back.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(e) =
        uploads::clean_upload_area(&state, std::time::Duration::from_secs(7 * 24 * 3600)).await
    {
        tracing::error!(error = ?e, "upload area clean-up failed");
    }
    let worker = scan::spawn_worker(state.clone());
    let webhook_worker = webhooks::spawn_worker(state.clone());
    let notify_worker = notify::spawn_worker(state.clone());
    let app = router(state);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    worker.abort();
    webhook_worker.abort();
    notify_worker.abort();
    result
}
