//! The scripted attack suite (issue #5): the real binary, started on demo data, attacked over
//! HTTP as an outsider or a competing editor would. Each attack runs against its own server
//! (its own database), so that one attack's lock-outs do not hide another's result.
//!
//! - wrong passwords at speed, and second-factor codes at speed;
//! - CSRF from another origin;
//! - session fixation, and a staged (password-only) session used as a full one;
//! - IDOR on every route of the API (from the served OpenAPI document) and of the pages (from
//!   the pages router's source): whatever a competitor asks with the owner's identifiers, it
//!   never gets the owner's data;
//! - oversized bodies.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use reqwest::redirect::Policy;

const PASSWORD: &str = "segur-demo-2026";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const OWNER: &str = "mandataire@monlps.demo";
const COMPETITOR: &str = "mandataire@medi.demo";

struct Server {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Server {
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("segur-attack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_segur"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("segur starts");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut base = None;
        for _ in 0..60 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(u) = line.trim().strip_prefix("segur: listening on ") {
                base = Some(u.to_owned());
            }
            if line.contains("TOTP") {
                break;
            }
        }
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Server {
            child,
            base: base.expect("the server prints its URL"),
            dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("segur_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

async fn post_login(
    c: &reqwest::Client,
    s: &Server,
    login: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = c
        .post(s.url("/connexion"))
        .form(&[("login", login), ("password", password)]);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap()
}

/// The current TOTP code of the demo secret (RFC 6238, computed by segur's store helper).
fn totp_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    segur_store::totp_code_at(TOTP_SECRET, now).unwrap()
}

/// Signs in (with the second factor when asked) and returns the session cookie.
async fn sign_in(c: &reqwest::Client, s: &Server, login: &str) -> String {
    let resp = post_login(c, s, login, PASSWORD, None).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {login}");
    let cookie = session_cookie(&resp).unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    if !location.starts_with("/connexion/code") {
        return cookie;
    }
    let resp = c
        .post(s.url("/connexion/code"))
        .header("cookie", &cookie)
        .form(&[("code", totp_now().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "second factor of {login}"
    );
    session_cookie(&resp).unwrap()
}

async fn status_of(
    c: &reqwest::Client,
    s: &Server,
    path: &str,
    cookie: Option<&str>,
) -> StatusCode {
    let mut req = c.get(s.url(path));
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_at_speed_lock_the_account_without_revealing_it() {
    let s = Server::start("passwords");
    let c = client();
    // 40 wrong passwords fired concurrently at one account, and as many at a login that does
    // not exist: both end locked (429) with the same words.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (c, url) = (c.clone(), s.url("/connexion"));
        let login = if i % 2 == 0 {
            OWNER
        } else {
            "personne@nulle.part"
        };
        tasks.push(tokio::spawn(async move {
            let resp = c
                .post(url)
                .form(&[("login", login), ("password", &format!("essai-{i}"))])
                .send()
                .await
                .unwrap();
            (login, resp.status(), resp.text().await.unwrap())
        }));
    }
    let mut locked = [0, 0];
    for t in tasks {
        let (login, status, body) = t.await.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
        assert!(
            !body.contains("inconnu") && !body.contains("n'existe pas"),
            "{body}"
        );
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(body.contains("Trop de tentatives"));
            locked[usize::from(login != OWNER)] += 1;
        }
    }
    assert!(
        locked[0] > 0 && locked[1] > 0,
        "both logins locked: {locked:?}"
    );
    // Locked means locked: even the right password is refused now.
    let right = post_login(&c, &s, OWNER, PASSWORD, None).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(session_cookie(&right).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn second_factor_codes_cannot_be_guessed_or_skipped() {
    let s = Server::start("totp");
    let c = client();
    let resp = post_login(&c, &s, "instructeur@ans.demo", PASSWORD, None).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/connexion/code")
    );
    let staged = session_cookie(&resp).unwrap();
    // The password-only session opens nothing.
    for path in ["/tableau-de-bord", "/ans/pv-pilotes", "/compte/securite"] {
        assert_eq!(
            status_of(&c, &s, path, Some(&staged)).await,
            StatusCode::SEE_OTHER
        );
    }
    let api = c
        .get(s.url("/api/v1/me"))
        .header("cookie", &staged)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    // Guessing codes at speed: locked before the code space is worth trying.
    let mut last = StatusCode::OK;
    for guess in 0..12 {
        let resp = c
            .post(s.url("/connexion/code"))
            .header("cookie", &staged)
            .form(&[("code", format!("{:06}", guess * 7919 % 1_000_000).as_str())])
            .send()
            .await
            .unwrap();
        last = resp.status();
        assert!(
            session_cookie(&resp).is_none(),
            "a wrong code gave a session"
        );
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Once locked, even the right code waits.
    let right = c
        .post(s.url("/connexion/code"))
        .header("cookie", &staged)
        .form(&[("code", totp_now().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_origin_posts_are_refused_and_change_nothing() {
    let s = Server::start("csrf");
    let c = client();
    let cookie = sign_in(&c, &s, OWNER).await;
    for (path, body) in [
        ("/deconnexion-partout", ""),
        ("/compte/jetons", "name=vol&scope=write&expires_in_days=90"),
        (
            "/compte/equipe",
            "login=pirate%40evil.test&name=x&role=editor_representant&password=Pirate-2026-compte",
        ),
    ] {
        let resp = c
            .post(s.url(path))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::FORBIDDEN,
            "cross-site POST {path}"
        );
    }
    let api = c
        .post(s.url("/api/v1/tokens"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&serde_json::json!({"name": "vol", "scope": "write", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    // The session survived (sign-out everywhere was refused) and nothing was created.
    assert_eq!(
        status_of(&c, &s, "/tableau-de-bord", Some(&cookie)).await,
        StatusCode::OK
    );
    let team = c
        .get(s.url("/compte/equipe"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!team.contains("pirate@evil.test"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_session_identifier_is_never_signed_in() {
    let s = Server::start("fixation");
    let c = client();
    // The attacker plants an identifier of their choice (and one of a real, staged session)
    // in the victim's browser before the victim signs in.
    let planted = "segur_session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let resp = post_login(&c, &s, OWNER, PASSWORD, Some(planted)).await;
    let issued = session_cookie(&resp).unwrap();
    assert_ne!(issued, planted);
    assert_eq!(
        status_of(&c, &s, "/tableau-de-bord", Some(planted)).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        status_of(&c, &s, "/tableau-de-bord", Some(&issued)).await,
        StatusCode::OK
    );

    // Second factor: the identifier known after the password step dies at the code step.
    let resp = post_login(&c, &s, "agent@asp.demo", PASSWORD, None).await;
    let staged = session_cookie(&resp).unwrap();
    let code = totp_now();
    let resp = c
        .post(s.url("/connexion/code"))
        .header("cookie", &staged)
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let full = session_cookie(&resp).unwrap();
    assert_ne!(full, staged);
    assert_eq!(
        status_of(&c, &s, "/asp/financement", Some(&full)).await,
        StatusCode::OK
    );
    assert_eq!(
        status_of(&c, &s, "/asp/financement", Some(&staged)).await,
        StatusCode::SEE_OTHER
    );
    // The same code cannot be replayed by someone who saw it.
    let replay = post_login(&c, &s, "agent@asp.demo", PASSWORD, None).await;
    let again = c
        .post(s.url("/connexion/code"))
        .header("cookie", session_cookie(&replay).unwrap())
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(again.status(), StatusCode::SEE_OTHER);
}

/// Identifiers of the owner's resources, by path parameter name.
fn owner_value(param: &str) -> &'static str {
    match param {
        "org" | "organisation" | "editor" => "ed-monlps",
        "order" => "BC-MLM-001",
        "request" | "request_id" => "DA-MLM-001",
        "version" => "1.0",
        "code" | "dispositif" => "MDV-LGC-Va2",
        _ => "monlps-psf",
    }
}

fn fill(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        out.push_str(owner_value(&rest[start + 1..end]));
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// GET routes with a path parameter, from the served OpenAPI document and the pages router.
async fn routes_with_parameters(c: &reqwest::Client, s: &Server) -> Vec<String> {
    let doc: serde_json::Value = c
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut routes: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, ops)| path.contains('{') && ops.get("get").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    let pages = include_str!("../../segur-server/src/pages/mod.rs");
    for chunk in pages.split(".route(").skip(1) {
        let Some(path) = chunk.split('"').nth(1) else {
            continue;
        };
        if path.contains('{') && chunk.contains("get(") {
            routes.push(path.to_owned());
        }
    }
    assert!(routes.len() > 10, "routes found: {routes:?}");
    routes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_competitor_never_reads_the_owner_data_on_any_route() {
    let s = Server::start("idor");
    let c = client();
    let owner = sign_in(&c, &s, OWNER).await;
    let competitor = sign_in(&c, &s, COMPETITOR).await;
    let mut checked = 0;
    for template in routes_with_parameters(&c, &s).await {
        let path = fill(&template);
        let anonymous = status_of(&c, &s, &path, None).await;
        if anonymous == StatusCode::OK {
            continue; // public data (catalogue, register, rules)
        }
        let as_owner = c
            .get(s.url(&path))
            .header("cookie", &owner)
            .send()
            .await
            .unwrap();
        if as_owner.status() != StatusCode::OK {
            continue; // not the owner's resource with these identifiers
        }
        let resp = c
            .get(s.url(&path))
            .header("cookie", &competitor)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{template} ({path}) answered {status} to a competitor"
        );
        assert!(
            !body.contains("monlps-psf") && !body.contains("DA-MLM-001"),
            "{template} leaked the owner's data to a competitor"
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} owner routes checked");
}

/// Sends raw HTTP/1.1 bytes and returns the status line and the rest of the answer. The body
/// (if any) is written in pieces; write errors are ignored, since a server refusing a body
/// may close the connection before reading it all.
fn raw_request(base: &str, head: &str, body_chunks: &[Vec<u8>]) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in body_chunks {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_are_refused_and_the_server_stays_up() {
    let s = Server::start("bodies");
    let c = client();
    let cookie = sign_in(&c, &s, OWNER).await;
    let base = s.base.clone();
    // A declared 3 MiB body: refused at once from its Content-Length, before any byte of it.
    let declared = tokio::task::spawn_blocking({
        let base = base.clone();
        let cookie = cookie.clone();
        move || {
            raw_request(
                &base,
                &format!(
                    "POST /api/v1/financing/simulate HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\
                     Content-Type: application/json\r\nContent-Length: 3145728\r\nConnection: close\r\n\r\n"
                ),
                &[],
            )
        }
    })
    .await
    .unwrap();
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    assert!(declared.contains("\"payload_too_large\""), "{declared}");
    // A chunked body growing past the limit (no length announced): refused when it passes.
    let chunk = {
        let piece = vec![b' '; 64 * 1024];
        let mut c = format!("{:x}\r\n", piece.len()).into_bytes();
        c.extend_from_slice(&piece);
        c.extend_from_slice(b"\r\n");
        c
    };
    let streamed = tokio::task::spawn_blocking({
        let base = base.clone();
        let cookie = cookie.clone();
        move || {
            raw_request(
                &base,
                &format!(
                    "POST /connexion HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                ),
                &vec![chunk; 40],
            )
        }
    })
    .await
    .unwrap();
    assert!(
        streamed.starts_with("HTTP/1.1 413") || streamed.starts_with("HTTP/1.1 400"),
        "{streamed}"
    );
    // Deeply nested JSON within the limit: a clear refusal, no crash.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep = c
        .post(s.url("/api/v1/financing/simulate"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    assert!(deep.status().is_client_error(), "{}", deep.status());
    assert_eq!(status_of(&c, &s, "/health", None).await, StatusCode::OK);
}
