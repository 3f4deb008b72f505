//! OpenID Connect sign-in end to end, against real providers (npm `oidc-provider`, started by
//! `scripts/peers/oidc.sh`: a standard/iSC-style one and a Pro Santé Connect-like one). segur
//! runs on a real socket (random port, fresh database: SQLite, and PostgreSQL too when
//! `SEGUR_TEST_POSTGRES_URL` is set); a cookie-keeping HTTP client that does not follow
//! redirects plays the browser, following each `Location` by hand.
//!
//! Environment: SEGUR_TEST_OIDC_ISSUER, SEGUR_TEST_PSC_ISSUER, SEGUR_TEST_PSC_DISCOVERY. When
//! absent the tests say so loudly and pass (CI always sets them through scripts/test.sh).

use std::time::Duration;

use segur_server::config::{OidcAudience, OidcProviderConfig, Secret};
use segur_server::{AppState, ServerConfig};
use segur_store::{AuditEntry, BlobStore, Page, Store};
use sqlx::Connection;

use crate::common::{accounts, demo_world, today};

struct Peers {
    std_issuer: String,
    psc_issuer: String,
    psc_discovery: String,
}

fn peers() -> Option<Peers> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match (
        var("SEGUR_TEST_OIDC_ISSUER"),
        var("SEGUR_TEST_PSC_ISSUER"),
        var("SEGUR_TEST_PSC_DISCOVERY"),
    ) {
        (Some(std_issuer), Some(psc_issuer), Some(psc_discovery)) => Some(Peers {
            std_issuer,
            psc_issuer,
            psc_discovery,
        }),
        _ => {
            eprintln!(
                "\n*** OIDC TESTS SKIPPED: SEGUR_TEST_OIDC_ISSUER / SEGUR_TEST_PSC_ISSUER / \
                 SEGUR_TEST_PSC_DISCOVERY not set — run `eval \"$(scripts/peers/oidc.sh)\"` ***\n"
            );
            None
        }
    }
}

fn provider(
    id: &str,
    audience: OidcAudience,
    issuer: &str,
    client: (&str, &str),
) -> OidcProviderConfig {
    OidcProviderConfig {
        id: id.into(),
        label: format!("Fournisseur {id}"),
        audience,
        issuer: issuer.into(),
        discovery_url: None,
        client_id: client.0.into(),
        client_secret: Some(Secret::new(client.1)),
        client_secret_env: None,
        scopes: vec![],
        acr_values: vec![],
        identifier_claim: "sub".into(),
    }
}

/// A discovery document of the standard provider whose `jwks_uri` names the PSC-like
/// provider's keys: its ID tokens then carry a signature by a key that is not the issuer's.
async fn other_key_discovery(peers: &Peers) -> String {
    let http = reqwest::Client::new();
    let mut doc: serde_json::Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            peers.std_issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let psc: serde_json::Value = http
        .get(&peers.psc_discovery)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["jwks_uri"] = psc["jwks_uri"].clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/.well-known/openid-configuration")
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

struct App {
    base: String,
    url: String,
    store: Store,
    peers: Peers,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    cleanup: Cleanup,
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').unwrap();
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

impl App {
    /// One app per database backend available.
    async fn all() -> Vec<App> {
        let Some(_) = peers() else { return vec![] };
        let mut apps = vec![App::start(None).await];
        if let Ok(url) = std::env::var("SEGUR_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            apps.push(App::start(Some(url.trim())).await);
        }
        apps
    }

    async fn start(postgres: Option<&str>) -> App {
        let peers = peers().expect("peers");
        let (url, cleanup) = match postgres {
            None => {
                let dir = std::env::temp_dir()
                    .join(format!("segur-oidc-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    format!("sqlite://{}", dir.join("segur.db").display()),
                    Cleanup::Dir(dir),
                )
            }
            Some(admin_url) => {
                let name = format!("segur_oidc_{}", uuid::Uuid::new_v4().simple());
                sqlx::any::install_default_drivers();
                let mut admin = sqlx::AnyConnection::connect(admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                (
                    with_database(admin_url, &name),
                    Cleanup::Postgres {
                        admin_url: admin_url.to_owned(),
                        name,
                    },
                )
            }
        };
        let store = Store::connect_with_blobs(&url, BlobStore::in_memory())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let loaded = demo_world();
        store
            .system()
            .import_world(&loaded.world, &accounts())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let std_client = ("segur-test", "segur-test-secret");
        let mut isc = provider("isc", OidcAudience::Staff, &peers.std_issuer, std_client);
        isc.scopes = vec!["email".into(), "profile".into()];
        let mut other_key = provider(
            "autre-cle",
            OidcAudience::Staff,
            &peers.std_issuer,
            std_client,
        );
        other_key.discovery_url = Some(other_key_discovery(&peers).await);
        let mut psc = provider(
            "psc",
            OidcAudience::Professional,
            &peers.psc_issuer,
            ("segur-psc", "segur-psc-secret"),
        );
        psc.label = "Pro Santé Connect".into();
        psc.discovery_url = Some(peers.psc_discovery.clone());
        psc.scopes = vec!["scope_all".into()];
        psc.acr_values = vec!["eidas1".into()];
        psc.identifier_claim = "SubjectNameID".into();
        let config = ServerConfig {
            fixed_today: Some(today()),
            public_url: Some(base.clone()),
            oidc_providers: vec![isc, other_key, psc],
            ..ServerConfig::default()
        };
        let state = AppState::new(store.clone(), config, loaded.settings);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = segur_server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        App {
            base,
            url,
            store,
            peers,
            shutdown: Some(tx),
            cleanup,
        }
    }

    async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let mut admin = sqlx::AnyConnection::connect(admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                admin.close().await.unwrap();
            }
        }
    }

    fn store_url(&self) -> String {
        self.url.clone()
    }

    /// Links `subject` at `provider` to the demo account `login`, as an administrator would.
    async fn link(&self, provider: &str, subject: &str, login: &str) {
        let sys = self.store.system();
        let (user, _) = sys.find_user_for_login(login).await.unwrap().unwrap();
        sys.link_oidc_identity(provider, subject, &user.id, &AuditEntry::new("", ""))
            .await
            .unwrap();
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        let page = self
            .store
            .system()
            .list_audit(Page {
                limit: 500,
                offset: 0,
            })
            .await
            .unwrap();
        page.items
            .into_iter()
            .map(|e| (e.action, e.object))
            .collect()
    }
}

/// The browser: keeps cookies, never follows redirects by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in {} answer", resp.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Starts a sign-in at `provider` as `login_hint` and follows the provider's redirects up to
/// the callback URL on segur, which is returned without being requested.
async fn to_callback(app: &App, browser: &reqwest::Client, provider: &str, hint: &str) -> String {
    let resp = browser
        .get(format!("{}/connexion/oidc/{provider}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "start of {provider}");
    let authorize = location(&resp);
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(authorize.contains("nonce="), "{authorize}");
    assert!(authorize.contains("state="), "{authorize}");
    let mut url = reqwest::Url::parse(&format!("{authorize}&login_hint={hint}")).unwrap();
    for _ in 0..10 {
        let resp = browser.get(url.clone()).send().await.unwrap();
        assert!(
            resp.status().is_redirection(),
            "provider answered {} at {url}",
            resp.status()
        );
        let next = url.join(&location(&resp)).unwrap();
        if next.as_str().starts_with(&app.base) {
            return next.to_string();
        }
        url = next;
    }
    panic!("no callback after 10 redirects");
}

async fn get(browser: &reqwest::Client, url: &str) -> (u16, String, Option<String>) {
    let resp = browser.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, resp.text().await.unwrap(), loc)
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn query_param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn signed_in(app: &App, browser: &reqwest::Client) -> bool {
    let (status, _, _) = get(browser, &format!("{}/tableau-de-bord", app.base)).await;
    status == 200
}

#[tokio::test]
async fn oidc_login_page_offers_the_configured_providers() {
    for app in App::all().await {
        let (status, body, _) = get(&browser(), &format!("{}/connexion", app.base)).await;
        assert_eq!(status, 200);
        assert!(body.contains("Pro Santé Connect"), "{body}");
        assert!(body.contains("/connexion/oidc/isc?suivant="), "{body}");
        let (status, body, _) =
            get(&browser(), &format!("{}/connexion/oidc/inconnu", app.base)).await;
        assert_eq!(status, 404);
        assert!(body.contains("Ce moyen de connexion"), "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_staff_login_replay_and_logout() {
    for app in App::all().await {
        app.link("isc", "alice", "mandataire@monlps.test").await;
        let b = browser();
        // Signed in with a password first: the provider sign-in replaces that session.
        let resp = b
            .post(format!("{}/connexion", app.base))
            .header("origin", &app.base)
            .form(&[
                ("login", "salarie@monlps.test"),
                ("password", crate::common::PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
        let before = resp
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let callback = to_callback(&app, &b, "isc", "alice").await;
        assert_eq!(query_param(&callback, "iss"), app.peers.std_issuer);
        let resp = b.get(&callback).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), "/tableau-de-bord");
        let cookies: Vec<_> = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with("segur_session=") && c.contains("HttpOnly")),
            "{cookies:?}"
        );
        let (status, body, _) = get(&b, &format!("{}/tableau-de-bord", app.base)).await;
        assert_eq!(status, 200);
        assert!(body.contains("Test mandataire@monlps.test"), "{body}");
        // The session held before has ended (a fresh identifier at sign-in).
        let old = browser()
            .get(format!("{}/tableau-de-bord", app.base))
            .header("cookie", &before)
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 303, "the previous session must be over");
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.sign_in" && o.contains("mandataire@monlps.test")),
            "{audit:?}"
        );

        // The same callback again (a replayed answer): its state was used, nothing opens.
        let other = browser();
        let (status, body, _) = get(&other, &callback).await;
        assert_eq!(status, 400);
        assert!(body.contains("Connexion refusée"), "{body}");
        assert!(!signed_in(&app, &other).await);

        // Logout: the local session ends, then the browser goes to the provider's end-session
        // endpoint with the ID token as hint.
        let resp = b
            .post(format!("{}/deconnexion", app.base))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
        let end = location(&resp);
        assert!(
            end.starts_with(&format!("{}/session/end?", app.peers.std_issuer)),
            "{end}"
        );
        assert!(end.contains("id_token_hint="), "{end}");
        assert!(end.contains("client_id=segur-test"), "{end}");
        assert!(!signed_in(&app, &b).await);
        // The provider accepts it (its confirmation page).
        let (status, _, _) = get(&b, &end).await;
        assert_eq!(status, 200, "end-session endpoint refused the request");
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_wrong_state_is_refused() {
    for app in App::all().await {
        app.link("isc", "alice", "mandataire@monlps.test").await;
        let b = browser();
        let callback = to_callback(&app, &b, "isc", "alice").await;
        let forged = with_param(&callback, "state", "etat-forge");
        let (status, body, _) = get(&b, &forged).await;
        assert_eq!(status, 400);
        assert!(body.contains("Connexion refusée"), "{body}");
        assert!(body.contains("Recommencez"), "{body}");
        assert!(!signed_in(&app, &b).await);
        // The right state from another browser (login CSRF): refused as well.
        let other = browser();
        let (status, _, _) = get(&other, &callback).await;
        assert_eq!(status, 400);
        assert!(!signed_in(&app, &other).await);
        // No state at all, hostile sizes: French pages, no panic.
        let long = format!("?state={}&code=y", "s".repeat(5000));
        for query in ["", "?code=x", "?state=&code=", long.as_str()] {
            let (status, body, _) = get(
                &b,
                &format!("{}/connexion/oidc/isc/retour{query}", app.base),
            )
            .await;
            assert_eq!(status, 400, "{query}");
            assert!(body.contains("Connexion refusée"), "{body}");
        }
        // The user cancels at the provider (error=access_denied with a valid state).
        let b2 = browser();
        let callback = to_callback(&app, &b2, "isc", "alice").await;
        let cancelled = format!(
            "{}/connexion/oidc/isc/retour?error=access_denied&state={}",
            app.base,
            query_param(&callback, "state")
        );
        let (status, body, _) = get(&b2, &cancelled).await;
        assert_eq!(status, 401);
        assert!(body.contains("Connexion refusée"), "{body}");
        assert!(!signed_in(&app, &b2).await);
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("access_denied"))
        );
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .filter(|(a, _)| a == "auth.oidc.failure")
                .count()
                >= 2,
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_replayed_code_is_refused() {
    for app in App::all().await {
        app.link("isc", "alice", "mandataire@monlps.test").await;
        let b = browser();
        let first = to_callback(&app, &b, "isc", "alice").await;
        let (status, _, _) = get(&b, &first).await;
        assert_eq!(status, 303);
        // A fresh sign-in in another browser, answered with the first (used) code: the state
        // is valid, the provider refuses the code.
        let attacker = browser();
        let second = to_callback(&app, &attacker, "isc", "alice").await;
        let replay = with_param(&second, "code", &query_param(&first, "code"));
        let (status, body, _) = get(&attacker, &replay).await;
        assert_eq!(status, 401);
        assert!(body.contains("Connexion refusée"), "{body}");
        assert!(!signed_in(&app, &attacker).await);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("invalid_grant")),
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_id_token_signed_by_another_key_is_refused() {
    for app in App::all().await {
        app.link("autre-cle", "alice", "mandataire@monlps.test")
            .await;
        let b = browser();
        let callback = to_callback(&app, &b, "autre-cle", "alice").await;
        let (status, body, _) = get(&b, &callback).await;
        assert_eq!(status, 401);
        assert!(body.contains("Connexion refusée"), "{body}");
        assert!(!body.contains("signature"), "no detail leaks: {body}");
        assert!(!signed_in(&app, &b).await);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("ID token")),
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_unlinked_subject_is_refused() {
    for app in App::all().await {
        app.link("isc", "alice", "mandataire@monlps.test").await;
        let b = browser();
        let callback = to_callback(&app, &b, "isc", "bob").await;
        let (status, body, _) = get(&b, &callback).await;
        assert_eq!(status, 403);
        assert!(body.contains("Aucun compte segur"), "{body}");
        assert!(!signed_in(&app, &b).await);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("bob")),
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn psc_login_reads_subject_name_id_and_opens_a_professional_session_only() {
    for app in App::all().await {
        // An order whose client is the professional, by an editor.
        let mut raw = sqlx::AnyConnection::connect(&app.store_url())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO fin_orders (organisation_id, id, client, dispositif, signed_on, amount_ht_cents, amount_ttc_cents, data, updated_at) \
             VALUES ('ed-monlps', 'BC-PRO-001', '810001234567', 'MDV-LGC-Va2', '2026-10-01', 100000, 120000, '{}', '2026-10-01T00:00:00Z')",
        )
        .execute(&mut raw)
        .await
        .unwrap();
        raw.close().await.unwrap();

        let b = browser();
        let callback = to_callback(&app, &b, "psc", "810001234567").await;
        let (status, _, loc) = get(&b, &callback).await;
        assert_eq!(status, 303);
        assert_eq!(loc.as_deref(), Some("/professionnel"));
        let (status, body, _) = get(&b, &format!("{}/professionnel", app.base)).await;
        assert_eq!(status, 200);
        // The identifier is SubjectNameID, not `sub` (psc-sub-…).
        assert!(body.contains("810001234567"), "{body}");
        assert!(!body.contains("psc-sub-"), "{body}");
        assert!(body.contains("Jeanne Martin-810001234567"), "{body}");
        assert!(body.contains("BC-PRO-001"), "{body}");
        assert!(body.contains("1\u{202f}200,00"), "{body}");
        // No editor, ANS or ASP right: the account pages still ask to sign in.
        assert!(!signed_in(&app, &b).await);
        let (status, _, _) = get(&b, &format!("{}/api/v1/candidatures", app.base)).await;
        assert_eq!(status, 401);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.professional_sign_in" && o.contains("810001234567")),
            "{audit:?}"
        );
        // Logout: here, then at the provider.
        let resp = b
            .post(format!("{}/professionnel/deconnexion", app.base))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
        let end = location(&resp);
        assert!(
            end.starts_with(&format!("{}/session/end?", app.peers.psc_issuer)),
            "{end}"
        );
        let (status, _, loc) = get(&b, &format!("{}/professionnel", app.base)).await;
        assert_eq!((status, loc.as_deref()), (303, Some("/connexion")));
        app.finish().await;
    }
}

#[tokio::test]
async fn psc_missing_identifier_claim_is_refused() {
    for app in App::all().await {
        let b = browser();
        let callback = to_callback(&app, &b, "psc", "nosni").await;
        let (status, body, _) = get(&b, &callback).await;
        assert_eq!(status, 403);
        assert!(body.contains("identifiant attendu"), "{body}");
        let (status, _, _) = get(&b, &format!("{}/professionnel", app.base)).await;
        assert_eq!(status, 303);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("SubjectNameID")),
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn psc_insufficient_acr_is_refused() {
    for app in App::all().await {
        let b = browser();
        let callback = to_callback(&app, &b, "psc", "lowacr").await;
        let (status, body, _) = get(&b, &callback).await;
        assert_eq!(status, 401);
        assert!(body.contains("Connexion refusée"), "{body}");
        let (status, _, _) = get(&b, &format!("{}/professionnel", app.base)).await;
        assert_eq!(status, 303);
        let audit = app.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(a, o)| a == "auth.oidc.failure" && o.contains("acr")),
            "{audit:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn oidc_does_not_skip_the_second_factor_required_by_the_role() {
    for app in App::all().await {
        // An ANS instructeur must have a second factor: the provider replaces the password
        // only, so the sign-in stops at the enrolment step with a staged session.
        app.link("isc", "carole", "instructeur@ans.test").await;
        let b = browser();
        let callback = to_callback(&app, &b, "isc", "carole").await;
        let (status, _, loc) = get(&b, &callback).await;
        assert_eq!(status, 303);
        let loc = loc.unwrap();
        assert!(loc.starts_with("/connexion/activation?suivant="), "{loc}");
        assert!(
            !signed_in(&app, &b).await,
            "a staged session authenticates nothing"
        );
        let (status, _, _) = get(&b, &format!("{}{loc}", app.base)).await;
        assert_eq!(status, 200, "the enrolment page accepts the staged session");
        app.finish().await;
    }
}
