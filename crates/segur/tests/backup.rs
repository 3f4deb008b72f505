//! `segur backup` / `segur restore` through the real binary: a round trip into a fresh data
//! directory (and, when `SEGUR_TEST_POSTGRES_URL` is set, into a fresh PostgreSQL database),
//! every hash and the audit chain checked; a tampered backup is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use segur_store::{BlobStore, Store};

fn segur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .output()
        .expect("segur runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("segur-bk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

async fn put_blob(data: &Path, url: &str) -> String {
    let store = Store::connect_with_blobs(url, BlobStore::local(&data.join("blobs")).unwrap())
        .await
        .unwrap();
    let sha = store
        .blobs()
        .put("ed-monlps", b"capture d'ecran de la preuve".to_vec())
        .await
        .unwrap();
    store.close().await;
    sha
}

async fn blobs_of(data: &Path, url: &str) -> Vec<(String, String)> {
    let store = Store::connect_with_blobs(url, BlobStore::local(&data.join("blobs")).unwrap())
        .await
        .unwrap();
    let list = store.blobs().list_all().await.unwrap();
    store.close().await;
    list
}

#[tokio::test]
async fn backup_and_restore_round_trip_on_sqlite_and_refuse_tampering() {
    let (a, b, c, d) = (temp("a"), temp("b"), temp("c"), temp("d"));
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    ok(&segur(&["demo", "load", "--data-dir", &s(&a)]));
    let sha = put_blob(&a, &format!("sqlite://{}", a.join("segur.db").display())).await;

    let out = ok(&segur(&[
        "backup",
        "--output",
        &s(&b),
        "--data-dir",
        &s(&a),
    ]));
    assert!(out.contains("1 fichier(s)"), "{out}");
    assert!(b.join("manifest.json").exists() && b.join("segur.db").exists());
    // Backing up into a non-empty directory is refused.
    let again = segur(&["backup", "--output", &s(&b), "--data-dir", &s(&a)]);
    assert!(!again.status.success());

    let out = ok(&segur(&["restore", "--from", &s(&b), "--data-dir", &s(&c)]));
    assert!(out.contains("chaîne d'audit intègre"), "{out}");
    ok(&segur(&["audit", "verify", "--data-dir", &s(&c)]));
    let restored = blobs_of(&c, &format!("sqlite://{}", c.join("segur.db").display())).await;
    assert_eq!(restored, vec![("ed-monlps".to_owned(), sha.clone())]);
    // The restored platform has the demo's data (the world import is in its audit trail).
    let export = ok(&segur(&["audit", "export", "--data-dir", &s(&c)]));
    assert!(export.contains("world.import"));
    // Restoring over existing data is refused.
    let over = segur(&["restore", "--from", &s(&b), "--data-dir", &s(&c)]);
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("existe déjà"));

    // A tampered file in the backup: refused before anything is written, naming the file.
    std::fs::write(
        b.join("blobs").join("ed-monlps").join(&sha),
        b"autre contenu",
    )
    .unwrap();
    let bad = segur(&["restore", "--from", &s(&b), "--data-dir", &s(&d)]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&sha) && err.contains("empreinte"), "{err}");
    assert!(
        !d.join("segur.db").exists(),
        "nothing restored from a tampered backup"
    );
    for p in [a, b, c, d] {
        let _ = std::fs::remove_dir_all(p);
    }
}

/// `postgres://…/db` with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(out.status.success(), "{sql}: {out:?}");
}

#[tokio::test]
async fn backup_and_restore_round_trip_on_postgres() {
    let Ok(admin) = std::env::var("SEGUR_TEST_POSTGRES_URL") else {
        eprintln!("SEGUR_TEST_POSTGRES_URL not set: PostgreSQL backup not tested here");
        return;
    };
    let id = std::process::id();
    let (src_db, dst_db) = (format!("segur_bk_src_{id}"), format!("segur_bk_dst_{id}"));
    for db in [&src_db, &dst_db] {
        psql(&admin, &format!("DROP DATABASE IF EXISTS {db}"));
        psql(&admin, &format!("CREATE DATABASE {db}"));
    }
    let (src, dst) = (
        with_database(&admin, &src_db),
        with_database(&admin, &dst_db),
    );
    let (a, b, c) = (temp("pga"), temp("pgb"), temp("pgc"));
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    ok(&segur(&[
        "demo",
        "load",
        "--database-url",
        &src,
        "--data-dir",
        &s(&a),
    ]));
    let sha = put_blob(&a, &src).await;
    ok(&segur(&[
        "backup",
        "--output",
        &s(&b),
        "--database-url",
        &src,
        "--data-dir",
        &s(&a),
    ]));
    assert!(b.join("segur.pgdump").exists());
    let out = ok(&segur(&[
        "restore",
        "--from",
        &s(&b),
        "--database-url",
        &dst,
        "--data-dir",
        &s(&c),
    ]));
    assert!(out.contains("chaîne d'audit intègre"), "{out}");
    ok(&segur(&[
        "audit",
        "verify",
        "--database-url",
        &dst,
        "--data-dir",
        &s(&c),
    ]));
    assert_eq!(
        blobs_of(&c, &dst).await,
        vec![("ed-monlps".to_owned(), sha)]
    );
    // Restoring into a database that is not empty fails.
    let over = segur(&[
        "restore",
        "--from",
        &s(&b),
        "--database-url",
        &dst,
        "--data-dir",
        &s(&c),
    ]);
    assert!(!over.status.success());
    for db in [&src_db, &dst_db] {
        psql(
            &admin,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        );
    }
    for p in [a, b, c] {
        let _ = std::fs::remove_dir_all(p);
    }
}
