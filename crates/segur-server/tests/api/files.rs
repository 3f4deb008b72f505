//! Proof files through the real router: resumable uploads (tus 1.0 core), hashes, refusals
//! with stable codes, the antivirus (a real clamd when SEGUR_TEST_CLAMD is set), downloads
//! with byte ranges, isolation between editors, the no-JavaScript form.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use sha2::Digest;

use crate::common::{TestApp, body_text};

const OWNER: &str = "mandataire@monlps.test";
const COMPETITOR: &str = "mandataire@medi.test";
const ANS: &str = "instructeur@ans.test";
const CAND: &str = "monlps-psf";

fn clamd() -> Option<String> {
    match std::env::var("SEGUR_TEST_CLAMD") {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_owned()),
        _ => {
            eprintln!(
                "!!! SEGUR_TEST_CLAMD not set: antivirus part SKIPPED (run scripts/peers/clamav.sh)"
            );
            None
        }
    }
}

/// The EICAR test string, assembled here so that no file of the repository holds it whole.
fn eicar() -> Vec<u8> {
    let mut v = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR".to_vec();
    v.extend_from_slice(b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    v
}

fn png(len: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend((0..len.saturating_sub(8)).map(|i| (i * 7 % 251) as u8));
    v
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Proof items of the candidature still to deposit, as (requirement, scenario, proof).
async fn open_items(app: &TestApp, cookie: &str) -> Vec<(String, u64, u64)> {
    let (status, v) = app
        .get_json(
            &format!("/api/v1/candidatures/{CAND}/proof-items?limit=500"),
            Some(cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "to_deposit")
        .map(|i| {
            (
                i["requirement"].as_str().unwrap().to_owned(),
                i["scenario"].as_u64().unwrap(),
                i["proof"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn create(
    app: &TestApp,
    cookie: &str,
    item: &(String, u64, u64),
    name: &str,
    size: usize,
) -> (StatusCode, serde_json::Value) {
    app.post_json(
        &format!("/api/v1/candidatures/{CAND}/uploads"),
        &serde_json::json!({
            "requirement": item.0, "scenario": item.1, "proof": item.2,
            "file_name": name, "size": size, "effective_date": "2026-10-01"
        }),
        Some(cookie),
    )
    .await
}

async fn patch(
    app: &TestApp,
    cookie: &str,
    location: &str,
    offset: usize,
    bytes: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app
        .send(
            Request::patch(location)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/offset+octet-stream")
                .header("Upload-Offset", offset.to_string())
                .header("Tus-Resumable", "1.0.0")
                .body(Body::from(bytes))
                .unwrap(),
        )
        .await;
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, body_text(resp).await)
}

/// Uploads `bytes` in one PATCH; returns the final JSON (the stored file).
async fn upload(
    app: &TestApp,
    cookie: &str,
    item: &(String, u64, u64),
    name: &str,
    bytes: &[u8],
) -> (StatusCode, serde_json::Value) {
    let (status, v) = create(app, cookie, item, name, bytes.len()).await;
    if status != StatusCode::CREATED {
        return (status, v);
    }
    let loc = v["location"].as_str().unwrap().to_owned();
    let (status, _, body) = patch(app, cookie, &loc, 0, bytes.to_vec()).await;
    (status, serde_json::from_str(&body).unwrap_or_default())
}

async fn download(
    app: &TestApp,
    cookie: &str,
    file_id: &str,
    range: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut b = Request::get(format!(
        "/api/v1/candidatures/{CAND}/files/{file_id}/content"
    ))
    .header(header::COOKIE, cookie);
    if let Some(r) = range {
        b = b.header(header::RANGE, r);
    }
    let resp = app.send(b.body(Body::empty()).unwrap()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, bytes)
}

#[tokio::test]
async fn resumable_upload_is_hashed_scanned_and_served_with_ranges() {
    let clamd = clamd();
    let app = TestApp::demo_with(|c| c.clamd = clamd.clone()).await;
    let cookie = app.login(OWNER).await;
    let item = open_items(&app, &cookie).await.remove(0);

    // Limits are known before uploading.
    let (status, limits) = app.get_json("/api/v1/files/limits", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(limits["max_size_bytes"], 5u64 << 30);
    assert_eq!(limits["max_size_label"], "5 Gio");
    assert_eq!(limits["protocol"], "tus-1.0.0-core");

    let content = png(3 * 1024 * 1024 + 17);
    let (status, v) = create(&app, &cookie, &item, "écran d'accueil.png", content.len()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let loc = v["location"].as_str().unwrap().to_owned();
    assert_eq!(v["offset"], 0);

    // First part, then the connection "drops": HEAD tells where to resume.
    let cut = 1024 * 1024 + 5;
    let (status, h, body) = patch(&app, &cookie, &loc, 0, content[..cut].to_vec()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(h["upload-offset"], cut.to_string().as_str());
    let resp = app
        .send(
            Request::head(&loc)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["upload-offset"], cut.to_string().as_str());
    assert_eq!(
        resp.headers()["upload-length"],
        content.len().to_string().as_str()
    );
    // A wrong offset is refused with the right one.
    let (status, _, body) = patch(&app, &cookie, &loc, 10, content[10..20].to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let err: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "upload_offset_mismatch");
    assert_eq!(err["details"]["offset"], cut);
    // More bytes than announced: refused, nothing written past the end.
    let mut too_much = content[cut..].to_vec();
    too_much.push(0);
    let (status, _, body) = patch(&app, &cookie, &loc, cut, too_much).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("file_too_large"));
    // The competitor cannot see or feed the upload.
    let other = app.login(COMPETITOR).await;
    let (status, _, _) = patch(&app, &other, &loc, cut, content[cut..].to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Resume from what the server holds.
    let resp = app
        .send(
            Request::head(&loc)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let offset: usize = resp.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, h, body) = patch(&app, &cookie, &loc, offset, content[offset..].to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(h["upload-offset"], content.len().to_string().as_str());
    let file: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(file["sha256"], sha(&content));
    assert_eq!(file["size"], content.len());
    assert_eq!(file["media_type"], "image/png");
    assert_eq!(file["file_name"], "écran d'accueil.png");
    assert_eq!(file["effective_date"], "2026-10-01");
    assert_eq!(file["version"], 1);
    assert_eq!(file["scan_state"], "pending");
    assert!(file["content"].is_null());
    let file_id = file["file_id"].as_str().unwrap().to_owned();
    // The session is gone, the temporary area is empty.
    let (status, _, _) = patch(&app, &cookie, &loc, 0, vec![1]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let leftovers: Vec<_> = std::fs::read_dir(app.state.upload_dir()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Nothing is downloadable before the antivirus said clean.
    let (status, _, body) = download(&app, &cookie, &file_id, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&body).contains("file_not_clean"));

    // The same content for another item: linked, not stored twice.
    let second = open_items(&app, &cookie).await.remove(1);
    let (status, v) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/files/{file_id}/links"),
            &serde_json::json!({"requirement": second.0, "scenario": second.1, "proof": second.2}),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["file_id"], file_id.as_str());
    let (_, list) = app
        .get_json(&format!("/api/v1/candidatures/{CAND}/files"), Some(&cookie))
        .await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [file_id.as_str(), file_id.as_str()]);
    let blobs = app.store.blobs().list_all().await.unwrap();
    assert_eq!(
        blobs
            .iter()
            .filter(|(org, s)| org == "ed-monlps" && *s == sha(&content))
            .count(),
        1
    );

    let Some(_) = clamd else { return };
    let scanned = segur_server::scan::scan_pending(&app.state).await.unwrap();
    assert_eq!(scanned, 1);
    let (status, h, bytes) = download(&app, &cookie, &file_id, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, content);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert!(
        h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"")
    );
    assert_eq!(h[header::ACCEPT_RANGES], "bytes");
    // Seeking: several ranges one after the other, like a video player.
    for (range, start, end) in [
        ("bytes=0-99", 0usize, 99usize),
        ("bytes=2000000-2000999", 2_000_000, 2_000_999),
        ("bytes=-10", content.len() - 10, content.len() - 1),
    ] {
        let (status, h, bytes) = download(&app, &cookie, &file_id, Some(range)).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(bytes, content[start..=end], "{range}");
        assert_eq!(
            h[header::CONTENT_RANGE],
            format!("bytes {start}-{end}/{}", content.len()).as_str()
        );
    }
    let (status, h, _) = download(&app, &cookie, &file_id, Some("bytes=999999999-")).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes */{}", content.len()).as_str()
    );
    // The proof bundle: manifest + the file once, verifiable offline; tampering is detected.
    let resp = app
        .send(
            Request::get(format!("/api/v1/candidatures/{CAND}/bundle"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/zip");
    let zip_bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let path = app.state.upload_dir().with_file_name("bundle.zip");
    std::fs::write(&path, &zip_bytes).unwrap();
    let report = segur_server::bundle::verify(&path).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.files, report.bytes), (1, content.len() as u64));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.clone())).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_reader(archive.by_name("manifest.json").unwrap()).unwrap();
    assert_eq!(
        manifest["files"].as_array().unwrap().len(),
        2,
        "two items, one file"
    );
    assert_eq!(manifest["files"][0]["sha256"], sha(&content));
    let mut tampered = zip_bytes.clone();
    let at = tampered
        .windows(8)
        .rposition(|w| w == b"\x89PNG\r\n\x1a\n")
        .unwrap();
    tampered[at + 100] ^= 1;
    std::fs::write(&path, &tampered).unwrap();
    let report = segur_server::bundle::verify(&path).unwrap();
    assert!(!report.problems.is_empty(), "tampering detected");

    // The ANS reads it; the competitor does not learn it exists.
    let ans = app.login(ANS).await;
    assert_eq!(download(&app, &ans, &file_id, None).await.0, StatusCode::OK);
    assert_eq!(
        download(&app, &other, &file_id, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn refusals_have_stable_codes_and_french_messages() {
    let app = TestApp::demo_with(|c| c.max_file_bytes = 64 << 20).await;
    let cookie = app.login(OWNER).await;
    let items = open_items(&app, &cookie).await;
    let item = &items[0];

    // 0 byte, too big, unknown extension: refused before any byte is sent.
    let (status, v) = create(&app, &cookie, item, "vide.png", 0).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file_empty"))
    );
    let (status, v) = create(&app, &cookie, item, "film.png", 65 << 20).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("file_too_large"))
    );
    assert!(v["message"].as_str().unwrap().contains("64 Mio"), "{v}");
    let (status, v) = create(&app, &cookie, item, "setup.exe", 10).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("file_type_not_allowed")
        )
    );
    let (status, v) = create(&app, &cookie, item, "..", 10).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["field"], "file_name");

    // A path in the name is dropped.
    let bytes = png(100);
    let (status, v) = upload(&app, &cookie, item, "../../etc/passwd.png", &bytes).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["file_name"], "passwd.png");

    // Content contradicting the extension: a PDF named .png.
    let (status, v) = upload(
        &app,
        &cookie,
        &items[1],
        "capture.png",
        b"%PDF-1.7\n%\xe2\xe3\n1 0 obj",
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("file_type_mismatch")
        ),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("ne correspond pas"));
    // Unknown content with a known extension.
    let (status, v) = upload(
        &app,
        &cookie,
        &items[1],
        "rapport.pdf",
        b"MZ\x90\0\x03\0\0\0\x04\0",
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");

    // A zip bomb (200 MiB of zeros in 200 KiB) for a proof that takes archives.
    let mut zip_bytes = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut zip_bytes);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("zeros.log", opts).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..200 {
            std::io::Write::write_all(&mut w, &block).unwrap();
        }
        w.finish().unwrap();
    }
    let zip_bytes = zip_bytes.into_inner();
    let mut refused = None;
    for it in &items[1..] {
        let (status, v) = upload(&app, &cookie, it, "journaux.zip", &zip_bytes).await;
        if v["error"] == "file_type_not_allowed" {
            continue;
        }
        refused = Some((status, v));
        break;
    }
    let (status, v) = refused.expect("an item that takes archives");
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("archive_refused")),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("bombe"), "{v}");
    // Every refused upload left nothing behind.
    let leftovers: Vec<_> = std::fs::read_dir(app.state.upload_dir()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // PATCH without the tus content type.
    let (_, v) = create(&app, &cookie, &items[2], "x.png", 10).await;
    let loc = v["location"].as_str().unwrap();
    let resp = app
        .send(
            Request::patch(loc)
                .header(header::COOKIE, &cookie)
                .header("Upload-Offset", "0")
                .body(Body::from(vec![0u8; 10]))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// A full disk gives a clear error (the upload's file is /dev/full, which answers ENOSPC).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn full_disk_is_a_clear_error() {
    let app = TestApp::demo().await;
    let cookie = app.login(OWNER).await;
    let item = open_items(&app, &cookie).await.remove(0);
    let (_, v) = create(&app, &cookie, &item, "capture.png", 100_000).await;
    let id = v["id"].as_str().unwrap();
    std::fs::create_dir_all(app.state.upload_dir()).unwrap();
    std::os::unix::fs::symlink(
        "/dev/full",
        app.state.upload_dir().join(format!("{id}.part")),
    )
    .unwrap();
    let (status, _, body) = patch(
        &app,
        &cookie,
        v["location"].as_str().unwrap(),
        0,
        png(100_000),
    )
    .await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    let err: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "storage_full");
    assert!(err["message"].as_str().unwrap().contains("espace disque"));
}

#[tokio::test]
async fn infected_files_are_quarantined_and_unreachable_clamd_keeps_them_pending() {
    // clamd unreachable first: the file stays pending.
    let addr = clamd();
    let app = TestApp::demo_with(|c| c.clamd = Some("127.0.0.1:9".into())).await;
    let cookie = app.login(OWNER).await;
    let item = open_items(&app, &cookie).await.remove(0);
    let mut infected = b"%PDF-1.4\n".to_vec();
    infected.extend_from_slice(&eicar());
    let (status, v) = upload(&app, &cookie, &item, "rapport.pdf", &infected).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let file_id = v["file_id"].as_str().unwrap().to_owned();
    assert!(segur_server::scan::scan_pending(&app.state).await.is_err());
    let (_, list) = app
        .get_json(&format!("/api/v1/candidatures/{CAND}/files"), Some(&cookie))
        .await;
    assert_eq!(list[0]["scan_state"], "pending");

    let Some(addr) = addr else { return };
    // clamd is back: same store, a state that reaches it.
    let state = segur_server::AppState::new(
        app.store.clone(),
        segur_server::ServerConfig {
            clamd: Some(addr),
            upload_dir: app.state.upload_dir().to_path_buf(),
            ..Default::default()
        },
        Default::default(),
    );
    assert_eq!(segur_server::scan::scan_pending(&state).await.unwrap(), 1);
    let (_, list) = app
        .get_json(&format!("/api/v1/candidatures/{CAND}/files"), Some(&cookie))
        .await;
    assert_eq!(list[0]["scan_state"], "infected", "{list}");
    assert!(list[0]["scan_detail"].as_str().unwrap().contains("EICAR"));
    let (status, _, body) = download(&app, &cookie, &file_id, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&body).contains("quarantaine"));
    // The uploader sees it on the page.
    let (status, page, _) = app
        .get(
            &format!(
                "/candidatures/{CAND}/fichiers?exigence={}&scenario={}&preuve={}",
                item.0.replace('/', "%2F"),
                item.1,
                item.2
            ),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("infecté — mis en quarantaine"), "{page}");
}

#[tokio::test]
async fn page_shows_limits_and_takes_files_without_javascript() {
    let app = TestApp::demo().await;
    let cookie = app.login(OWNER).await;
    let item = open_items(&app, &cookie).await.remove(0);
    let page_url = format!(
        "/candidatures/{CAND}/fichiers?exigence={}&scenario={}&preuve={}",
        item.0.replace('/', "%2F"),
        item.1,
        item.2
    );
    let (status, page, _) = app.get(&page_url, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Taille maximale d'un fichier : <strong>5 Gio</strong>"));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("/static/upload.js"));
    let (status, js, _) = app.get("/static/upload.js", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("Upload-Offset"));

    // Two files in one multipart form.
    let boundary = "----segurtest";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("exigence", &item.0);
    field("scenario", &item.1.to_string());
    field("preuve", &item.2.to_string());
    field("date_effet", "2026-09-15");
    let a = png(5000);
    let b = b"%PDF-1.7\nrapport".to_vec();
    for (name, bytes, ct) in [("a.png", &a, "image/png"), ("b.pdf", &b, "application/pdf")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let resp = app
        .send(
            Request::post(format!("/candidatures/{CAND}/fichiers/depot"))
                .header(header::COOKIE, &cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = body_text(resp).await;
    assert!(page.contains("« a.png » déposé"), "{page}");
    assert!(page.contains("« b.pdf » déposé"), "{page}");
    assert!(page.contains(&sha(&a)));
    assert!(
        page.contains("15 septembre 2026") || page.contains("15/09/2026"),
        "{page}"
    );
    let (_, list) = app
        .get_json(&format!("/api/v1/candidatures/{CAND}/files"), Some(&cookie))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    // The competitor gets the French "not found" page.
    let other = app.login(COMPETITOR).await;
    let (status, _, _) = app.get(&page_url, Some(&other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
