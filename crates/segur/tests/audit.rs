//! `segur audit verify` and `segur audit export` through the real binary, on a demo database
//! tampered with from outside (as an attacker with file access would).

use std::process::Command;

fn segur(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("segur runs")
}

fn sql(db: &std::path::Path, statement: &str) {
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
        ])
        .arg(db)
        .arg(statement)
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

#[test]
fn audit_verify_names_the_first_tampered_event_and_export_lists_them_all() {
    let dir = std::env::temp_dir().join(format!("segur-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let load = segur(&dir, &["demo", "load"]);
    assert!(load.status.success(), "{load:?}");
    let ok = segur(&dir, &["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intègre"));

    let csv = segur(&dir, &["audit", "export"]);
    assert!(csv.status.success());
    let text = String::from_utf8_lossy(&csv.stdout);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("seq;at;"));
    assert!(lines.next().unwrap().starts_with("1;"), "oldest first");
    assert!(text.contains("world.import"));
    let json = segur(&dir, &["audit", "export", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(!events.as_array().unwrap().is_empty());

    sql(
        &dir.join("segur.db"),
        "UPDATE audit_events SET object = 'falsifié' WHERE seq = 1",
    );
    let broken = segur(&dir, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(String::from_utf8_lossy(&broken.stdout).contains("n° 1"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A local RFC 3161 authority (`openssl ts` behind a small HTTP server), started by the test.
struct Tsa {
    child: std::process::Child,
    url: String,
    ca: String,
}

impl Tsa {
    fn start(dir: &std::path::Path) -> Tsa {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/peers/tsa.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .args(["--port", "0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 starts the local TSA");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = lines.next().unwrap().unwrap();
        let ca = lines.next().unwrap().unwrap();
        Tsa {
            child,
            url: url.strip_prefix("SEGUR_TEST_TSA_URL=").unwrap().to_owned(),
            ca: ca.strip_prefix("SEGUR_TEST_TSA_CA=").unwrap().to_owned(),
        }
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn audit_days_are_time_stamped_by_an_rfc3161_authority_and_checked_by_openssl() {
    let dir = std::env::temp_dir().join(format!("segur-tsa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tsa = Tsa::start(&dir.join("tsa"));
    let data = dir.join("data");
    assert!(segur(&data, &["demo", "load"]).status.success());

    // An unreachable authority: a clear error, nothing stored.
    let down = segur(
        &data,
        &[
            "audit",
            "timestamp",
            "--tsa-url",
            "http://127.0.0.1:9",
            "--before-day",
            "2999-01-01",
        ],
    );
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("injoignable"),
        "{down:?}"
    );

    // Today is not over: nothing to stamp by default.
    let none = segur(&data, &["audit", "timestamp", "--tsa-url", &tsa.url]);
    assert!(none.status.success(), "{none:?}");
    assert!(String::from_utf8_lossy(&none.stdout).contains("rien à horodater"));

    let stamped = segur(
        &data,
        &[
            "audit",
            "timestamp",
            "--tsa-url",
            &tsa.url,
            "--before-day",
            "2999-01-01",
        ],
    );
    assert!(stamped.status.success(), "{stamped:?}");
    assert!(String::from_utf8_lossy(&stamped.stdout).contains("horodatée"));
    // Stamped days are not stamped twice.
    let again = segur(
        &data,
        &[
            "audit",
            "timestamp",
            "--tsa-url",
            &tsa.url,
            "--before-day",
            "2999-01-01",
        ],
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("rien à horodater"));

    let ok = segur(&data, &["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("1 journée(s) horodatée(s)"));

    // The token is a genuine RFC 3161 token over the day's statement, for openssl too.
    let out = dir.join("tokens");
    let export = segur(
        &data,
        &[
            "audit",
            "export-timestamps",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{export:?}");
    let tsr = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "tsr"))
        .expect("a token file");
    let statement = tsr.with_extension("txt");
    let openssl = Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&tsr)
        .arg("-data")
        .arg(&statement)
        .args(["-CAfile", &tsa.ca])
        .output()
        .expect("openssl runs");
    assert!(
        String::from_utf8_lossy(&openssl.stdout).contains("Verification: OK"),
        "{openssl:?}"
    );
    // A statement naming another head does not verify.
    std::fs::write(&statement, "segur-audit-day:2000-01-01:1:00").unwrap();
    let wrong = Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&tsr)
        .arg("-data")
        .arg(&statement)
        .args(["-CAfile", &tsa.ca])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&wrong.stdout).contains("Verification: OK"));

    // A stored token swapped for another one no longer matches its day.
    sql(
        &data.join("segur.db"),
        "UPDATE audit_timestamps SET head_hash = '00' || SUBSTR(head_hash, 3)",
    );
    let tampered = segur(&data, &["audit", "verify"]);
    assert_eq!(tampered.status.code(), Some(1), "{tampered:?}");
    assert!(String::from_utf8_lossy(&tampered.stdout).contains("horodatage"));
    drop(tsa);
    let _ = std::fs::remove_dir_all(dir);
}
