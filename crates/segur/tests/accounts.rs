//! `segur account create` and `segur account reset-second-factor` through the real binary.

use std::process::Command;

fn segur(data: &std::path::Path, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_segur"));
    cmd.args(args).arg("--data-dir").arg(data);
    match password {
        Some(p) => cmd.env("SEGUR_NEW_PASSWORD", p),
        None => cmd.env_remove("SEGUR_NEW_PASSWORD"),
    };
    cmd.output().expect("segur runs")
}

fn query(db: &std::path::Path, sql: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchall())",
        ])
        .arg(db)
        .arg(sql)
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn an_operator_creates_accounts_and_resets_a_lost_second_factor() {
    let dir = std::env::temp_dir().join(format!("segur-accounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(segur(&dir, &["demo", "load"], None).status.success());
    let create = |login: &str, password: &str| {
        segur(
            &dir,
            &[
                "account",
                "create",
                "--login",
                login,
                "--name",
                "Admin ANS",
                "--role",
                "ans_admin",
                "--organisation",
                "ans",
            ],
            Some(password),
        )
    };
    // The password rules apply here too, with the reason.
    let weak = create("admin@ans.demo", "court");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("trop faible"),
        "{weak:?}"
    );
    let ok = create("admin@ans.demo", "Une-phrase-de-passe-2026");
    assert!(ok.status.success(), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("compte admin@ans.demo créé"));
    let dup = create("admin@ans.demo", "Une-phrase-de-passe-2026");
    assert!(!dup.status.success());
    let db = dir.join("segur.db");
    assert!(
        query(
            &db,
            "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1"
        )
        .contains("account.create")
    );

    // A lost phone: the operator removes the second factor; sessions end; audited.
    let before = query(
        &db,
        "SELECT totp_secret IS NULL FROM users WHERE login = 'instructeur@ans.demo'",
    );
    assert_eq!(before, "[(0,)]");
    let reset = segur(
        &dir,
        &[
            "account",
            "reset-second-factor",
            "--login",
            "instructeur@ans.demo",
        ],
        None,
    );
    assert!(reset.status.success(), "{reset:?}");
    assert_eq!(
        query(
            &db,
            "SELECT totp_secret IS NULL FROM users WHERE login = 'instructeur@ans.demo'"
        ),
        "[(1,)]"
    );
    assert!(
        query(
            &db,
            "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1"
        )
        .contains("auth.second_factor_reset")
    );
    let unknown = segur(
        &dir,
        &[
            "account",
            "reset-second-factor",
            "--login",
            "personne@nulle.part",
        ],
        None,
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("inconnu"));
    assert_eq!(
        segur(&dir, &["audit", "verify"], None).status.code(),
        Some(0)
    );
    let _ = std::fs::remove_dir_all(dir);
}
