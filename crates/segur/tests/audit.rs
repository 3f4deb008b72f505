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
