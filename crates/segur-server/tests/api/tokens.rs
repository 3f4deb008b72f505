//! API tokens: created from a session, shown once, stored hashed, used as `Authorization:
//! Bearer`, read scope limited to safe methods, expiring, revocable, isolated per organisation.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use sqlx::Connection;

use segur_store::{AuditEntry, NewApiToken, TokenScope, token_secret_digest};

use crate::common::{TestApp, body_text};

const MONLPS: &str = "mandataire@monlps.test";
const MONLPS_SALARIE: &str = "salarie@monlps.test";
const MEDI: &str = "mandataire@medi.test";

/// Sends a request with a bearer token (no cookie, no Origin: a script or curl).
async fn with_token(
    app: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.send(b.body(body).unwrap()).await;
    let status = resp.status();
    let text = body_text(resp).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")),
    )
}

async fn delete(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Value) {
    let req = Request::delete(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    let status = resp.status();
    let text = body_text(resp).await;
    (status, serde_json::from_str(&text).unwrap())
}

async fn create(app: &TestApp, cookie: &str, name: &str, scope: &str) -> Value {
    let (status, body) = app
        .post_json(
            "/api/v1/tokens",
            &json!({ "name": name, "scope": scope, "expires_in_days": 30 }),
            Some(cookie),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// An advance request the simulator accepts to read (it need not be valid).
fn simulation() -> Value {
    json!({ "format": "segur.demande-financement.v1", "id": "DA-TOK-1", "kind": "advance" })
}

#[tokio::test]
async fn token_is_shown_once_stored_hashed_and_acts_as_its_creator() {
    let app = TestApp::demo().await;
    let cookie = app.login(MONLPS).await;
    let created = create(&app, &cookie, "Intégration continue", "read").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("segur_pat_"), "{secret}");
    assert_eq!(secret.len(), "segur_pat_".len() + 64);
    assert_eq!(created["token"]["scope"], "read");
    assert_eq!(created["token"]["active"], true);
    assert_eq!(created["token"]["last_used_at"], Value::Null);
    let id = created["token"]["id"].as_str().unwrap().to_owned();

    // Used on a GET: acts as its creator.
    let (status, me) = with_token(&app, Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["login"], MONLPS);
    let (status, list) = with_token(&app, Method::GET, "/api/v1/candidatures", &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");

    // Listed with its last use, never with the secret.
    let (status, raw, _) = app.get("/api/v1/tokens", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!raw.contains(&secret[10..]), "secret in the list: {raw}");
    let list: Value = serde_json::from_str(&raw).unwrap();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["name"], "Intégration continue");
    assert_eq!(listed["created_by"], MONLPS);
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(listed.get("secret").is_none());

    // Stored as a hash: the database has the SHA-256, never the secret.
    let mut raw_db = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
    let stored: String = sqlx::Row::get(
        &sqlx::query("SELECT secret_sha256 FROM api_tokens WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut raw_db)
            .await
            .unwrap(),
        "secret_sha256",
    );
    assert_eq!(stored, token_secret_digest(&secret));
    let hits: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE object LIKE $1")
            .bind(format!("%{}%", &secret[10..]))
            .fetch_one(&mut raw_db)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(hits, 0, "secret in the audit log");
}

#[tokio::test]
async fn read_token_is_refused_on_state_changing_methods_write_token_is_accepted() {
    let app = TestApp::demo().await;
    let cookie = app.login(MONLPS).await;
    let read = create(&app, &cookie, "lecture", "read").await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let write = create(&app, &cookie, "écriture", "write").await["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = with_token(
        &app,
        Method::POST,
        "/api/v1/financing/simulate",
        &read,
        Some(simulation()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");

    // No Origin, no Sec-Fetch-Site: the CSRF layer lets a script's POST through.
    let (status, body) = with_token(
        &app,
        Method::POST,
        "/api/v1/financing/simulate",
        &write,
        Some(simulation()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], false);

    // A cross-site browser request is still refused, bearer or not.
    let req = Request::post("/api/v1/financing/simulate")
        .header(header::AUTHORIZATION, format!("Bearer {write}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(simulation().to_string()))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_expired_and_revoked_tokens_get_the_same_401() {
    let app = TestApp::demo().await;
    let cookie = app.login(MONLPS).await;
    let created = create(&app, &cookie, "à révoquer", "write").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["token"]["id"].as_str().unwrap().to_owned();

    // Expired: created through the store two days ago for one day.
    let (user, _) = app
        .store
        .system()
        .find_user_for_login(MONLPS)
        .await
        .unwrap()
        .unwrap();
    let expired = app
        .store
        .tenant("ed-monlps")
        .create_api_token_at(
            &user,
            &NewApiToken {
                name: "ancien".into(),
                scope: TokenScope::Write,
                expires_in_days: 1,
            },
            &AuditEntry::default(),
            jiff::Timestamp::now().as_second() - 2 * 86_400,
        )
        .await
        .unwrap();

    // Revoked.
    let (status, body) = delete(&app, &format!("/api/v1/tokens/{id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked_at"].is_string());
    assert_eq!(body["active"], false);

    let unknown = format!("segur_pat_{}", "0".repeat(64));
    let mut messages = Vec::new();
    for s in [
        secret.as_str(),
        expired.secret.as_str(),
        unknown.as_str(),
        "n'importe quoi",
    ] {
        let (status, body) = with_token(&app, Method::GET, "/api/v1/me", s, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{s}: {body}");
        assert_eq!(body["error"], "unauthenticated");
        messages.push(body["message"].clone());
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "no hint which: {messages:?}");

    // A bad bearer is not rescued by a valid cookie: the header alone decides.
    let req = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {unknown}"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_isolated_per_organisation_and_managed_from_a_session() {
    let app = TestApp::demo().await;
    let monlps = app.login(MONLPS).await;
    let medi = app.login(MEDI).await;
    let created = create(&app, &monlps, "MonLPS", "write").await;
    let id = created["token"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();

    // Another organisation neither sees nor revokes it.
    let (status, list) = app.get_json("/api/v1/tokens", Some(&medi)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let (status, body) = delete(&app, &format!("/api/v1/tokens/{id}"), &medi).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "not_found");
    let (status, _) = with_token(&app, Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(status, StatusCode::OK, "still active");

    // A salarié sees only their own; the mandataire manages the organisation's.
    let salarie = app.login(MONLPS_SALARIE).await;
    let (status, list) = app.get_json("/api/v1/tokens", Some(&salarie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let own = create(&app, &salarie, "le mien", "read").await;
    let own_id = own["token"]["id"].as_str().unwrap();
    let (status, _) = delete(&app, &format!("/api/v1/tokens/{id}"), &salarie).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a colleague's token");
    let (_, list) = app.get_json("/api/v1/tokens", Some(&monlps)).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let (status, _) = delete(&app, &format!("/api/v1/tokens/{own_id}"), &monlps).await;
    assert_eq!(status, StatusCode::OK);

    // A token cannot manage tokens (it could mint its own successors).
    let (status, body) = with_token(&app, Method::GET, "/api/v1/tokens", &secret, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = with_token(
        &app,
        Method::POST,
        "/api/v1/tokens",
        &secret,
        Some(json!({ "name": "x", "scope": "write", "expires_in_days": 365 })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Validation of the body.
    for bad in [
        json!({ "name": "x", "scope": "admin", "expires_in_days": 30 }),
        json!({ "name": "x", "scope": "read", "expires_in_days": 366 }),
        json!({ "name": "x", "scope": "read", "expires_in_days": 0 }),
        json!({ "name": "", "scope": "read", "expires_in_days": 30 }),
    ] {
        let (status, body) = app.post_json("/api/v1/tokens", &bad, Some(&monlps)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/tokens",
            &json!({ "name": "x", "scope": "read" }),
            Some(&monlps),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "expiry is required"
    );
}

#[tokio::test]
async fn pages_never_accept_a_token() {
    let app = TestApp::demo().await;
    let cookie = app.login(MONLPS).await;
    let secret = create(&app, &cookie, "pages", "write").await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = Request::get("/tableau-de-bord")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/connexion")
    );
}

#[tokio::test]
async fn page_creates_shows_the_secret_once_and_revokes() {
    let app = TestApp::demo().await;
    let cookie = app.login(MONLPS).await;
    let (status, html, _) = app.get("/compte/jetons", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Aucun jeton."), "{html}");
    assert!(html.contains(r#"href="/compte/jetons" aria-current="page""#));

    let resp = app
        .post_form(
            "/compte/jetons",
            "name=Export+nocturne&scope=read&expires_in_days=90",
            Some(&cookie),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let html = body_text(resp).await;
    let start = html
        .find(r#"value="segur_pat_"#)
        .expect("secret shown once")
        + 7;
    let secret = &html[start..start + 10 + 64];
    assert!(html.contains(r#"role="status""#));
    let (status, _) = with_token(&app, Method::GET, "/api/v1/me", secret, None).await;
    assert_eq!(status, StatusCode::OK);

    // Never again: the list shows the name and last use, not the secret.
    let (_, html, _) = app.get("/compte/jetons", Some(&cookie)).await;
    assert!(!html.contains(&secret[10..]));
    assert!(html.contains("Export nocturne"));
    assert!(html.contains("lecture"));
    assert!(!html.contains("jamais"), "last use shown");

    // Invalid input: said in words, nothing created.
    let resp = app
        .post_form(
            "/compte/jetons",
            "name=x&scope=write&expires_in_days=400",
            Some(&cookie),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(resp).await.contains(r#"role="alert""#));

    let (_, list) = app.get_json("/api/v1/tokens", Some(&cookie)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_str().unwrap();
    let resp = app
        .post_form(&format!("/compte/jetons/{id}/revoquer"), "", Some(&cookie))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, _) = with_token(&app, Method::GET, "/api/v1/me", secret, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, html, _) = app.get("/compte/jetons", Some(&cookie)).await;
    assert!(html.contains("révoqué"));

    // Anonymous: to sign-in.
    let (status, _, headers) = app.get("/compte/jetons", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/connexion")
    );
}
