//! `TestApp`: a fresh SQLite database per test (temporary directory), the demo world and demo
//! accounts imported, and helpers that send requests through the real router with `oneshot`.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use segur_domain::org::Role;
use segur_server::{AppState, ServerConfig};
use segur_store::{BlobStore, NewAccount, Store};
use tower::ServiceExt;

pub const PASSWORD: &str = "mot-de-passe-de-test";
/// A fixed "today" so that deadlines and rules give stable results.
/// TOTP secret of the test accounts whose role needs a second factor (ANS, ASP).
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The current TOTP code of [`TOTP_SECRET`].
pub fn totp_now() -> String {
    let now = jiff::Timestamp::now().as_second() as u64;
    segur_store::totp_code_at(TOTP_SECRET, now).unwrap()
}

pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 22)
}

pub struct TestApp {
    pub store: Store,
    pub router: axum::Router,
    pub state: AppState,
    _dir: tempfile_dir::TempDir,
}

/// Minimal temporary directory (removed on drop) without another dependency.
pub mod tempfile_dir {
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("segur-test-{}", uuid_like()));
            std::fs::create_dir_all(&p).expect("temp dir");
            Self(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn uuid_like() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!(
            "{}-{}-{}",
            std::process::id(),
            nanos,
            N.fetch_add(1, Ordering::Relaxed)
        )
    }
}

fn demo_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../segur/demo"))
}

pub fn demo_world() -> segur_domain::world_file::LoadedWorld {
    let dir = demo_dir();
    let source = std::fs::read_to_string(dir.join("world.toml")).expect("demo world");
    let resolve = |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    segur_domain::world_file::load(
        &source,
        segur_domain::world_file::Format::Toml,
        "world.toml",
        &resolve,
    )
    .unwrap_or_else(|e| panic!("demo world must load: {e}"))
}

pub fn accounts() -> Vec<NewAccount> {
    let a = |login: &str, role: Role, org: &str| NewAccount {
        login: login.to_owned(),
        display_name: format!("Test {login}"),
        password: PASSWORD.to_owned(),
        role,
        organisation_id: org.to_owned(),
    };
    vec![
        a(
            "mandataire@monlps.test",
            Role::EditorMandataire,
            "ed-monlps",
        ),
        a("salarie@monlps.test", Role::EditorSalarie, "ed-monlps"),
        a("mandataire@medi.test", Role::EditorMandataire, "ed-medi"),
        a("instructeur@ans.test", Role::AnsInstructeur, "ans"),
        a("agent@asp.test", Role::AspAgent, "asp"),
    ]
}

impl TestApp {
    pub async fn demo() -> Self {
        Self::demo_with(|_| {}).await
    }

    /// The demo app with its configuration adjusted (the upload area is the test's own).
    pub async fn demo_with(adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile_dir::TempDir::new();
        let url = format!("sqlite://{}", dir.0.join("segur.db").display());
        let store = Store::connect_with_blobs(&url, BlobStore::in_memory())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        let loaded = demo_world();
        store
            .system()
            .import_world(&loaded.world, &accounts())
            .await
            .expect("import demo");
        for a in accounts() {
            if segur_domain::identity::requires_second_factor(a.role) {
                let (user, _) = store
                    .system()
                    .find_user_for_login(&a.login)
                    .await
                    .unwrap()
                    .unwrap();
                store
                    .system()
                    .set_totp_secret_unchecked(&user.id, TOTP_SECRET)
                    .await
                    .unwrap();
            }
        }
        let mut config = ServerConfig {
            fixed_today: Some(today()),
            upload_dir: dir.0.join("uploads"),
            ..ServerConfig::default()
        };
        adjust(&mut config);
        let state = AppState::new(store.clone(), config, loaded.settings);
        Self {
            router: segur_server::router(state.clone()),
            state,
            store,
            _dir: dir,
        }
    }

    /// URL of this test's SQLite database, to check what is stored with raw SQL.
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self._dir.0.join("segur.db").display())
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails")
    }

    pub async fn get(
        &self,
        path: &str,
        cookie: Option<&str>,
    ) -> (StatusCode, String, axum::http::HeaderMap) {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let resp = self.send(b.body(Body::empty()).unwrap()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            String::from_utf8_lossy(&bytes).into_owned(),
            headers,
        )
    }

    pub async fn get_json(
        &self,
        path: &str,
        cookie: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let (status, body, headers) = self.get(path, cookie).await;
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            ct.starts_with("application/json"),
            "{path}: expected JSON, got {ct}: {body}"
        );
        (
            status,
            serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{path}: invalid JSON {e}: {body}")),
        )
    }

    pub async fn post_form(&self, path: &str, form: &str, cookie: Option<&str>) -> Response<Body> {
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Sends a JSON body with any method (`PUT`, `PATCH`…); returns status and JSON body.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let resp = self
            .send(b.body(Body::from(body.to_string())).unwrap())
            .await;
        let status = resp.status();
        let text = body_text(resp).await;
        (
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: invalid JSON {e}: {text}")),
        )
    }

    /// POSTs a body with a content type; returns status and body parsed as JSON.
    pub async fn post_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        cookie: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let resp = self.send(b.body(Body::from(body)).unwrap()).await;
        let status = resp.status();
        let text = body_text(resp).await;
        (
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: invalid JSON {e}: {text}")),
        )
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        self.post_bytes(
            path,
            "application/json",
            body.to_string().into_bytes(),
            cookie,
        )
        .await
    }

    /// Signs in through the real form (and the second-factor step for ANS and ASP accounts)
    /// and returns the `Cookie` header value to reuse.
    pub async fn login(&self, login: &str) -> String {
        self.login_with(login, PASSWORD).await
    }

    /// [`TestApp::login`] with another password (form-encoded here).
    pub async fn login_with(&self, login: &str, password: &str) -> String {
        let encoded: String = password
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let resp = self
            .post_form(
                "/connexion",
                &format!("login={}&password={encoded}", login.replace('@', "%40")),
                None,
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "login of {login} should redirect"
        );
        let cookie = set_cookie(&resp);
        let location = resp.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        if location.starts_with("/connexion/activation") {
            // An agency account created by the test, without second factor yet: give it the
            // test secret (enrolment itself is tested in `identity.rs`) and sign in again.
            let (user, _) = self
                .store
                .system()
                .find_user_for_login(login)
                .await
                .unwrap()
                .unwrap();
            self.store
                .system()
                .set_totp_secret_unchecked(&user.id, TOTP_SECRET)
                .await
                .unwrap();
            return Box::pin(self.login_with(login, password)).await;
        }
        if !location.starts_with("/connexion/code") {
            return cookie;
        }
        // Several sign-ins of one account within a test: start the replay guard afresh, as a
        // later time step would.
        let (user, _) = self
            .store
            .system()
            .find_user_for_login(login)
            .await
            .unwrap()
            .unwrap();
        self.store
            .system()
            .set_totp_secret_unchecked(&user.id, TOTP_SECRET)
            .await
            .unwrap();
        let resp = self
            .post_form(
                "/connexion/code",
                &format!("code={}&next=%2Ftableau-de-bord", totp_now()),
                Some(&cookie),
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "second factor of {login} should be accepted"
        );
        set_cookie(&resp)
    }
}

/// The `name=value` of the response's `Set-Cookie`.
pub fn set_cookie(resp: &Response<Body>) -> String {
    resp.headers()
        .get(header::SET_COOKIE)
        .expect("session cookie")
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub async fn body_text(resp: Response<Body>) -> String {
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}
