use axum::http::{StatusCode, header};

use crate::common::TestApp;

#[tokio::test]
async fn unknown_api_route_is_json_and_unknown_page_is_french() {
    let app = TestApp::demo().await;
    let (status, body) = app.get_json("/api/v1/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    let (status, html, headers) = app.get("/nulle-part", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("Page introuvable"));
    assert!(html.contains("lang=\"fr\""));
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::demo().await;
    for path in [
        "/",
        "/api/v1/dispositifs",
        "/nulle-part",
        "/static/segur.css",
    ] {
        let (_, _, h) = app.get(path, None).await;
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY", "{path}");
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}"
        );
        assert!(h.get("x-request-id").is_some(), "{path}");
    }
}

#[tokio::test]
async fn hostile_paths_and_queries_never_cause_a_server_error() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let long = "x".repeat(10_000);
    let paths = [
        "/api/v1/candidatures/%00".to_owned(),
        "/api/v1/candidatures/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/v1/candidatures/monlps-psf/proof-items?chapter=%27%20OR%201%3D1--".to_owned(),
        format!("/api/v1/candidatures/{long}"),
        format!("/api/v1/requirements?q={long}"),
        "/api/v1/requirements?limit=99999999999999999999".to_owned(),
        "/candidatures/monlps-psf/chapitres/0".to_owned(),
        "/candidatures/monlps-psf/chapitres/99999999999999999999".to_owned(),
        "/candidatures/monlps-psf/chapitres/-1".to_owned(),
        "/catalogue/exigence?dispositif=%00&version=x&id=y".to_owned(),
        "/catalogue/exigence".to_owned(),
        "/catalogue/exigences?q=%F0%9F%92%A9%E2%80%AE".to_owned(),
        "/regles/%E2%80%AE".to_owned(),
        "/static/..%2F..%2FCargo.toml".to_owned(),
    ];
    for p in &paths {
        let (status, _, _) = app.get(p, Some(&cookie)).await;
        assert!(
            status.is_client_error() || status.is_success(),
            "{p} gave {status}"
        );
    }
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::demo().await;
    let (status, body) = app.get_json("/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn errors_raised_by_layers_have_the_common_shape() {
    let app = TestApp::demo().await;
    // Unknown method on an API route: JSON with a stable code.
    let req = axum::http::Request::put("/api/v1/dispositifs")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value =
        serde_json::from_str(&crate::common::body_text(resp).await).unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    // A body over the limit on a page: a French page, not plain text.
    let big = "login=".to_owned() + &"a".repeat(2 * 1024 * 1024);
    let resp = app.post_form("/connexion", &big, None).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        crate::common::body_text(resp)
            .await
            .contains("trop volumineuse")
    );
    // A cross-site form post: refused with a French page explaining why.
    let req = axum::http::Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from("login=x&password=y"))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        crate::common::body_text(resp)
            .await
            .contains("Requête refusée")
    );
    // A malformed form body on the sign-in page: a French page too.
    let req = axum::http::Request::post("/connexion")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(axum::body::Body::from("\u{0}\u{1}"))
        .unwrap();
    let resp = app.send(req).await;
    assert!(resp.status().is_client_error());
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
