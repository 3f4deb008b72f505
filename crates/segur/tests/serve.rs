//! The binary itself: start-up errors are one clear line, and `serve --demo` comes up with the
//! demo loaded and answers on the printed URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn segur() -> Command {
    Command::new(env!("CARGO_BIN_EXE_segur"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("segur-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn assert_one_clear_line(stderr: &[u8], needle: &str) {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line expected, got: {text}");
    assert!(lines[0].starts_with("segur: erreur : "), "{text}");
    assert!(lines[0].contains(needle), "{text}");
    assert!(
        !text.contains("panicked") && !text.contains("backtrace"),
        "{text}"
    );
}

#[test]
fn an_unwritable_data_directory_is_one_clear_line() {
    let out = segur()
        .args([
            "serve",
            "--data-dir",
            "/etc/hostname/segur",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_one_clear_line(&out.stderr, "répertoire de données /etc/hostname/segur");
}

#[test]
fn an_unreachable_database_is_one_clear_line_quickly() {
    let started = Instant::now();
    let out = segur()
        .args([
            "migrate",
            "--database-url",
            "postgres://segur:secret-password@127.0.0.1:1/segur",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(30), "fails fast");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("secret-password"),
        "secrets never appear in messages: {text}"
    );
    assert_one_clear_line(&out.stderr, "127.0.0.1:1");
}

#[test]
fn migrate_and_demo_load_are_idempotent() {
    let dir = temp_dir("migrate");
    for _ in 0..2 {
        let out = segur()
            .args(["migrate", "--data-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let first = segur()
        .args(["demo", "load", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("données de démonstration chargées"));
    let second = segur()
        .args(["demo", "load", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("déjà"),
        "second load is a no-op"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_demo_prints_the_url_and_accounts_and_answers() {
    let dir = temp_dir("serve");
    let mut child = segur()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut url = None;
    let mut printed = String::new();
    for _ in 0..40 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        printed.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("segur: listening on http://") {
            url = Some(u.to_owned());
        }
        if line.contains("agent@asp.demo") {
            break;
        }
    }
    let addr = url.unwrap_or_else(|| panic!("no URL printed: {printed}"));
    assert!(
        printed.contains("mandataire@monlps.demo"),
        "demo accounts are printed: {printed}"
    );
    let health = http_get(&addr, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let api = http_get(&addr, "/api/v1/dispositifs");
    assert!(api.contains("MDV-LGC-Va2"), "demo loaded: {api}");
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
