//! Webhooks against a real local receiver (an axum server on 127.0.0.1:0 inside the test) that
//! checks the HMAC-SHA256 signature with the secret given at registration.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use segur_domain::events::{DomainEvent, EventKind};
use sha2::Sha256;

use crate::common::TestApp;

/// Headers and body of one request received.
type Received = (HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Receiver {
    /// (headers, body) of every request received.
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer, in order; 200 once empty.
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn receiver(answers: &[u16]) -> (Receiver, String) {
    let r = Receiver::default();
    r.answers.lock().unwrap().extend(answers.iter().copied());
    let state = r.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                state.got.lock().unwrap().push((headers, body.to_vec()));
                let code = state.answers.lock().unwrap().pop_front().unwrap_or(200);
                StatusCode::from_u16(code).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (r, format!("http://{addr}/hook"))
}

fn valid_signature(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let ts = headers["segur-timestamp"].to_str().unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    headers["segur-signature"].to_str().unwrap() == expected
}

async fn app_with_loopback() -> TestApp {
    TestApp::demo_with(|c| c.webhook_allow_loopback_http = true).await
}

async fn register(app: &TestApp, cookie: &str, url: &str) -> (String, String) {
    let (status, created) = app
        .post_json(
            "/api/v1/webhooks",
            &serde_json::json!({ "url": url }),
            Some(cookie),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["webhook"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn event(app: &TestApp, organisation: &str, candidature: &str) {
    app.store
        .system()
        .append_domain_event_for_tests(
            &DomainEvent::new(EventKind::ProofRejected, organisation)
                .candidature(candidature)
                .detail("Capture illisible"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn delivered_on_2xx_with_a_valid_signature_and_never_another_organisations_events() {
    let app = app_with_loopback().await;
    let (rx, url) = receiver(&[]).await;
    let boss = app.login("mandataire@monlps.test").await;
    let (id, secret) = register(&app, &boss, &url).await;
    assert!(secret.starts_with("whsec_"));
    let (_, listed) = app.get_json("/api/v1/webhooks", Some(&boss)).await;
    assert!(!listed.to_string().contains(&secret), "never listed");

    event(&app, "ed-medi", "medi10-ms").await;
    event(&app, "ed-monlps", "monlps-mdv").await;
    let now = jiff::Timestamp::now();
    let report = segur_server::webhooks::run_once(&app.state, now)
        .await
        .unwrap();
    assert_eq!(report.enqueued, 1, "only MonLPS's event");
    assert_eq!(report.delivered, 1);
    // Running again sends nothing more.
    let again = segur_server::webhooks::run_once(&app.state, now)
        .await
        .unwrap();
    assert_eq!((again.enqueued, again.attempted), (0, 0));

    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert!(valid_signature(&secret, headers, body));
    assert!(!valid_signature("whsec_wrong", headers, body));
    assert_eq!(headers["segur-event"], "proof.rejected");
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["type"], "proof.rejected");
    assert_eq!(json["organisation"], "ed-monlps");
    assert_eq!(json["candidature"], "monlps-mdv");
    assert_eq!(json["detail"], "Capture illisible");
    assert_eq!(json["id"], headers["segur-delivery"].to_str().unwrap());

    let (status, log) = app
        .get_json(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status_code"], 200);
    // Another editor cannot read it.
    let medi = app.login("mandataire@medi.test").await;
    let (status, _) = app
        .get_json(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&medi))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_500_is_retried_after_the_back_off_then_delivered() {
    let app = app_with_loopback().await;
    let (rx, url) = receiver(&[500]).await;
    let boss = app.login("mandataire@monlps.test").await;
    let (id, secret) = register(&app, &boss, &url).await;
    event(&app, "ed-monlps", "monlps-mdv").await;
    let now = jiff::Timestamp::now();
    let first = segur_server::webhooks::run_once(&app.state, now)
        .await
        .unwrap();
    assert_eq!((first.attempted, first.delivered), (1, 0));
    let (_, log) = app
        .get_json(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&boss))
        .await;
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status_code"], 500);
    // Not due before the first wait (30 s [default]).
    let early =
        segur_server::webhooks::run_once(&app.state, now + jiff::SignedDuration::from_secs(10))
            .await
            .unwrap();
    assert_eq!(early.attempted, 0);
    let later =
        segur_server::webhooks::run_once(&app.state, now + jiff::SignedDuration::from_secs(31))
            .await
            .unwrap();
    assert_eq!((later.attempted, later.delivered), (1, 1));
    let (_, log) = app
        .get_json(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&boss))
        .await;
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["attempts"], 2);
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|(h, b)| valid_signature(&secret, h, b)));
    assert_eq!(
        got[0].0["segur-delivery"], got[1].0["segur-delivery"],
        "same id on retry"
    );
}

#[tokio::test]
async fn non_https_urls_are_refused() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    for url in [
        "http://hooks.example.fr/x",
        "http://127.0.0.1:9/x",
        "ftp://example.fr/",
        "pas une adresse",
    ] {
        let (status, e) = app
            .post_json(
                "/api/v1/webhooks",
                &serde_json::json!({ "url": url }),
                Some(&boss),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {e}");
        assert_eq!(e["field"], "url");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/webhooks",
            &serde_json::json!({ "url": "https://hooks.example.fr/x", "event_kinds": ["nope"] }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .post_json(
            "/api/v1/webhooks",
            &serde_json::json!({ "url": "https://hooks.example.fr/x", "event_kinds": ["proof.validated"] }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_salarie_cannot_register_a_webhook() {
    let app = app_with_loopback().await;
    let salarie = app.login("salarie@monlps.test").await;
    let (status, e) = app
        .post_json(
            "/api/v1/webhooks",
            &serde_json::json!({ "url": "https://hooks.example.fr/x" }),
            Some(&salarie),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let (status, _) = app.get_json("/api/v1/webhooks", Some(&salarie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.get("/webhooks", Some(&salarie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
