use axum::http::{StatusCode, header};

use crate::common::{TestApp, body_text};

#[tokio::test]
async fn sign_in_sets_a_protected_session_cookie_and_me_answers() {
    let app = TestApp::demo().await;
    let resp = app
        .post_form(
            "/connexion",
            "login=mandataire%40monlps.test&password=mot-de-passe-de-test",
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers().get(header::LOCATION).unwrap(),
        "/tableau-de-bord"
    );
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("segur_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let session = cookie.split(';').next().unwrap();
    let (status, me) = app.get_json("/api/v1/me", Some(session)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["login"], "mandataire@monlps.test");
    assert_eq!(me["organisation_id"], "ed-monlps");
    assert_eq!(me["role"], "editor_mandataire");
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = TestApp::demo().await;
    let wrong = app
        .post_form(
            "/connexion",
            "login=mandataire%40monlps.test&password=nope",
            None,
        )
        .await;
    let unknown = app
        .post_form(
            "/connexion",
            "login=personne%40nulle.part&password=nope",
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let a = body_text(wrong).await;
    let b = body_text(unknown).await;
    assert!(a.contains("Identifiant ou mot de passe incorrect."));
    assert!(b.contains("Identifiant ou mot de passe incorrect."));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let resp = app.post_form("/deconnexion", "", Some(&cookie)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, body) = app.get_json("/api/v1/me", Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
}

#[tokio::test]
async fn pages_redirect_anonymous_users_to_sign_in_and_back() {
    let app = TestApp::demo().await;
    let (status, _, headers) = app.get("/tableau-de-bord", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/connexion?suivant=/tableau-de-bord"
    );
    let resp = app
        .post_form(
            "/connexion",
            "login=mandataire%40monlps.test&password=mot-de-passe-de-test&next=%2Fcandidatures%2Fmonlps-psf",
            None,
        )
        .await;
    assert_eq!(
        resp.headers().get(header::LOCATION).unwrap(),
        "/candidatures/monlps-psf"
    );
}

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    let app = TestApp::demo().await;
    for next in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let resp = app
            .post_form(
                "/connexion",
                &format!(
                    "login=mandataire%40monlps.test&password=mot-de-passe-de-test&next={next}"
                ),
                None,
            )
            .await;
        assert_eq!(
            resp.headers().get(header::LOCATION).unwrap(),
            "/tableau-de-bord",
            "next={next}"
        );
    }
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::demo().await;
    let req = axum::http::Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .body(axum::body::Body::from(
            "login=mandataire%40monlps.test&password=mot-de-passe-de-test",
        ))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn a_forged_or_oversized_session_cookie_is_just_anonymous() {
    let app = TestApp::demo().await;
    let long = format!("segur_session={}", "a".repeat(5000));
    for cookie in [
        "segur_session=forged",
        "segur_session=",
        long.as_str(),
        "other=1; segur_session=%00%ff",
    ] {
        let (status, body) = app.get_json("/api/v1/me", Some(cookie)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert_eq!(body["error"], "unauthenticated");
    }
}

async fn attempt(
    app: &TestApp,
    login: &str,
    password: &str,
    ip: Option<&str>,
) -> (StatusCode, String) {
    let mut req = axum::http::Request::post("/connexion")
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(axum::body::Body::from(format!(
            "login={}&password={password}",
            login.replace('@', "%40")
        )))
        .unwrap();
    if let Some(ip) = ip {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip.parse().unwrap(),
                40000,
            )));
    }
    let resp = app.send(req).await;
    let status = resp.status();
    (status, crate::common::body_text(resp).await)
}

#[tokio::test]
async fn repeated_failures_lock_an_account_without_revealing_whether_it_exists() {
    let app = TestApp::demo().await;
    for login in ["mandataire@monlps.test", "personne@nulle-part.test"] {
        for _ in 0..4 {
            let (status, _) = attempt(&app, login, "mauvais-mot-de-passe", None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{login}");
        }
        // The fifth failure locks, for an existing account and an unknown login alike.
        let (status, body) = attempt(&app, login, "mauvais-mot-de-passe", None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{login}");
        assert!(body.contains("Trop de tentatives"), "{body}");
    }
    // Locked: even the right password is refused, before it is checked.
    let (status, _) = attempt(
        &app,
        "mandataire@monlps.test",
        crate::common::PASSWORD,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are unaffected.
    let (status, _) = attempt(&app, "salarie@monlps.test", crate::common::PASSWORD, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The lock is in the audit trail.
    let audit = app
        .store
        .system()
        .list_audit(segur_store::Page::new(100, 0))
        .await
        .unwrap();
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "auth.lock")
            .count(),
        2
    );
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_locked_out() {
    let app = TestApp::demo().await;
    for i in 0..29 {
        let (status, _) = attempt(
            &app,
            &format!("inconnu{i}@x.test"),
            "x",
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, _) = attempt(&app, "inconnu99@x.test", "x", Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // A real user from that address must wait; from another address it works.
    let (status, _) = attempt(
        &app,
        "salarie@monlps.test",
        crate::common::PASSWORD,
        Some("203.0.113.7"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _) = attempt(
        &app,
        "salarie@monlps.test",
        crate::common::PASSWORD,
        Some("198.51.100.2"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A successful sign-in clears the account's own failures.
    for _ in 0..4 {
        attempt(&app, "mandataire@medi.test", "faux", Some("198.51.100.3")).await;
    }
    let (status, _) = attempt(
        &app,
        "mandataire@medi.test",
        crate::common::PASSWORD,
        Some("198.51.100.3"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = attempt(&app, "mandataire@medi.test", "faux", Some("198.51.100.3")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the count started again");
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_and_idle_sessions_end() {
    use sqlx::Connection;
    let app = TestApp::demo().await;
    let laptop = app.login("salarie@monlps.test").await;
    let phone = app.login("salarie@monlps.test").await;
    let other = app.login("mandataire@monlps.test").await;
    for c in [&laptop, &phone, &other] {
        assert_eq!(app.get_json("/api/v1/me", Some(c)).await.0, StatusCode::OK);
    }
    let (status, page, _) = app.get("/compte/jetons", Some(&phone)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Fermer toutes mes sessions"));
    let resp = app
        .post_form("/deconnexion-partout", "", Some(&phone))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    for c in [&laptop, &phone] {
        assert_eq!(
            app.get_json("/api/v1/me", Some(c)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.get_json("/api/v1/me", Some(&other)).await.0,
        StatusCode::OK
    );
    // Idle for an hour (the default idle timeout is 30 minutes): the session has ended.
    let mut raw = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 3600")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(
        app.get_json("/api/v1/me", Some(&other)).await.0,
        StatusCode::UNAUTHORIZED
    );
}
