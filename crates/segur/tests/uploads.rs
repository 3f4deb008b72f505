//! Robustness of proof-file uploads with the real binary: the server is killed (SIGKILL) in the
//! middle of an upload; after a restart no half-written proof exists, the temporary area holds
//! only the live session's bytes (strays are cleaned), and the upload resumes from the offset
//! the server reports and completes with the right SHA-256.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sha2::Digest;

const LOGIN: &str = "mandataire@monlps.demo";
const PASSWORD: &str = "segur-demo-2026";
const CAND: &str = "monlps-psf";

fn start(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    for _ in 0..40 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(u) = line.trim().strip_prefix("segur: listening on http://") {
            addr = Some(u.to_owned());
            break;
        }
    }
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = reader.read_to_string(&mut sink);
    });
    (child, addr.expect("listening line"))
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

fn request(addr: &str, head: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: headers.to_owned(),
        body: body.to_owned(),
    }
}

fn login(addr: &str) -> String {
    let form = format!("login={}&password={PASSWORD}", LOGIN.replace('@', "%40"));
    let r = request(
        addr,
        &format!(
            "POST /connexion HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            form.len()
        ),
        form.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.headers);
    r.header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

fn get(addr: &str, cookie: &str, path: &str) -> Reply {
    request(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ),
        b"",
    )
}

fn head_offset(addr: &str, cookie: &str, location: &str) -> u64 {
    let r = request(
        addr,
        &format!(
            "HEAD {location} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nTus-Resumable: 1.0.0\r\nConnection: close\r\n\r\n"
        ),
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.headers);
    r.header("upload-offset").unwrap().parse().unwrap()
}

fn patch_head(addr: &str, cookie: &str, location: &str, offset: u64, len: usize) -> String {
    format!(
        "PATCH {location} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\nTus-Resumable: 1.0.0\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
}

#[test]
fn killed_server_leaves_no_half_proof_and_the_upload_resumes() {
    let dir = std::env::temp_dir().join(format!("segur-bin-uploads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut server, addr) = start(&dir);
    let cookie = login(&addr);

    // A proof item still to deposit.
    let items = get(
        &addr,
        &cookie,
        &format!("/api/v1/candidatures/{CAND}/proof-items?limit=500"),
    );
    let items: serde_json::Value = serde_json::from_str(&items.body).unwrap();
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "to_deposit")
        .unwrap()
        .clone();

    // 40 MiB "video" (PNG-headed bytes so that every proof kind accepts it).
    let mut content = b"\x89PNG\r\n\x1a\n".to_vec();
    content.extend((0..40u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8));
    let expected = hex::encode(sha2::Sha256::digest(&content));
    let create = serde_json::json!({
        "requirement": item["requirement"], "scenario": item["scenario"], "proof": item["proof"],
        "file_name": "parcours.png", "size": content.len()
    })
    .to_string();
    let r = request(
        &addr,
        &format!(
            "POST /api/v1/candidatures/{CAND}/uploads HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            create.len()
        ),
        create.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let location = v["location"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();

    // Send 24 MiB of the announced 40 MiB, then kill the server without warning.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(patch_head(&addr, &cookie, &location, 0, content.len()).as_bytes())
        .unwrap();
    s.write_all(&content[..24 << 20]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.kill().unwrap();
    let _ = server.wait();
    drop(s);

    // Strays in the temporary area: an unknown session's bytes, a multipart leftover.
    let uploads = dir.join("uploads");
    std::fs::write(uploads.join("0123456789abcdef0123456789abcdef.part"), b"x").unwrap();
    std::fs::write(uploads.join("incoming-deadbeef.tmp"), b"x").unwrap();

    let (mut server, addr) = start(&dir);
    let cookie = login(&addr);
    // No half-written proof: the candidature has no file.
    let files = get(
        &addr,
        &cookie,
        &format!("/api/v1/candidatures/{CAND}/files"),
    );
    assert_eq!(files.status, 200);
    assert_eq!(
        files.body.trim(),
        "[]",
        "no file before the upload completes"
    );
    // Strays are gone; the live session's bytes are kept.
    let mut left: Vec<String> = std::fs::read_dir(&uploads)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [format!("{id}.part")]);

    // Resume from what the server holds.
    let offset = head_offset(&addr, &cookie, &location);
    assert!(offset > 0 && offset <= 24 << 20, "offset {offset}");
    let rest = &content[offset as usize..];
    let r = request(
        &addr,
        &patch_head(&addr, &cookie, &location, offset, rest.len()),
        rest,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let file: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(file["sha256"], expected.as_str());
    assert_eq!(file["size"], content.len());
    assert_eq!(file["scan_state"], "pending");
    let files = get(
        &addr,
        &cookie,
        &format!("/api/v1/candidatures/{CAND}/files"),
    );
    assert!(files.body.contains(&expected));
    // The stored blob is the whole file.
    let blob = dir.join("blobs/tenants/ed-monlps/blobs").join(&expected);
    assert_eq!(
        std::fs::metadata(&blob).unwrap().len(),
        content.len() as u64
    );
    assert!(
        std::fs::read_dir(&uploads).unwrap().next().is_none(),
        "temporary area empty once complete"
    );
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundle_verify_refuses_a_non_bundle_in_one_clear_line() {
    let path = std::env::temp_dir().join(format!("segur-not-a-bundle-{}.zip", std::process::id()));
    std::fs::write(&path, b"pas une archive").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(["bundle", "verify"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("segur: erreur : "), "{err}");
    assert!(err.contains("archive ZIP"), "{err}");
    let _ = std::fs::remove_file(&path);
}
