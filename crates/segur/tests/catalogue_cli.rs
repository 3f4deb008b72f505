//! `segur catalogue …` end to end: a REM workbook shaped like the official ones is imported
//! (dry run, then for real), published (REM-01), diffed against a later version (REM-03) and
//! exported back out (XLSX, OSCAL), against a real SQLite database.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use segur_catalogue::fixtures;

fn segur(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("SEGUR_DATABASE_URL")
        .env_remove("SEGUR_BLOB_URL")
        .output()
        .expect("run segur")
}

fn segur_plain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .output()
        .expect("run segur")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("segur-cat-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn import_publish_diff_and_export_from_the_cli() {
    let dir = tempdir("flow");
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(["demo", "load", "--data-dir", d])
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", text(&demo));

    let v1 = dir.join("rem-v1.xlsx");
    std::fs::write(
        &v1,
        fixtures::published_workbook(&fixtures::rem_rows(80, 0), true).unwrap(),
    )
    .unwrap();
    let v2 = dir.join("rem-v2.xlsx");
    std::fs::write(
        &v2,
        fixtures::published_workbook(&fixtures::rem_rows(80, 1), false).unwrap(),
    )
    .unwrap();
    let v1s = v1.to_str().unwrap();
    let v2s = v2.to_str().unwrap();

    // Dry run: summary, nothing written.
    let o = segur(
        &data,
        &[
            "catalogue",
            "import",
            v1s,
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
            "--dry-run",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("80 exigence(s)"), "{out}");
    assert!(out.contains("Sécurité des systèmes d'information"), "{out}");
    assert!(out.contains("rien n'est enregistré"), "{out}");
    let o = segur(
        &data,
        &[
            "catalogue",
            "export",
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
            "--format",
            "oscal",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "dry run wrote nothing: {}",
        text(&o)
    );

    // Import and publish (REM-01), then a second import of the same version is refused.
    let o = segur(
        &data,
        &[
            "catalogue",
            "import",
            v1s,
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
            "--publish-on",
            "2026-12-01",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = segur(
        &data,
        &[
            "catalogue",
            "import",
            v1s,
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("REM-01"), "{}", text(&o));
    let o = segur(
        &data,
        &[
            "catalogue",
            "import",
            v2s,
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.1",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    // REM-03 diff, stored against stored and stored against a file.
    let o = segur(
        &data,
        &["catalogue", "diff", "MDV-LGC-Va2@2.0", "MDV-LGC-Va2@2.1"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let log = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(log.starts_with("REM MDV-LGC-Va2 2.0 → 2.1 :"), "{log}");
    assert!(log.contains("SC.NEW.01 : exigence ajoutée"), "{log}");
    let o = segur(
        &data,
        &[
            "catalogue",
            "diff",
            "MDV-LGC-Va2@2.1",
            v2s,
            "--dispositif",
            "MDV-LGC-Va2",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["diff"]["requirement_counts"]["reworded"], 0);
    assert_eq!(json["diff"]["requirement_counts"]["new"], 0);
    let diff_xlsx = dir.join("diff.xlsx");
    let o = segur(
        &data,
        &[
            "catalogue",
            "diff",
            "MDV-LGC-Va2@2.0",
            "MDV-LGC-Va2@2.1",
            "--format",
            "xlsx",
            "-o",
            diff_xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read(&diff_xlsx).unwrap().starts_with(b"PK"));

    // Exports: the XLSX reads back as the same REM; OSCAL is a catalog.
    let out_xlsx = dir.join("export.xlsx");
    let o = segur(
        &data,
        &[
            "catalogue",
            "export",
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
            "-o",
            out_xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = segur_plain(&[
        "catalogue",
        "diff",
        v1s,
        out_xlsx.to_str().unwrap(),
        "--dispositif",
        "MDV-LGC-Va2",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["change_log"].as_array().unwrap().len(), 1, "{json}");
    let o = segur(
        &data,
        &[
            "catalogue",
            "export",
            "--dispositif",
            "MDV-LGC-Va2",
            "--version",
            "2.0",
            "--format",
            "oscal",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let oscal: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(oscal["catalog"]["metadata"]["version"], "2.0");
    // EQV-06: an equivalence list from CSV, stored.
    let eq = dir.join("equivalences.csv");
    std::fs::write(
        &eq,
        "Exigence source;Exigence cible\nSC.INS.01.01;SC.INS.01.01\nSC.DMP.01.02;SC.DMP.01.02\n",
    )
    .unwrap();
    let o = segur(
        &data,
        &[
            "catalogue",
            "equivalences",
            eq.to_str().unwrap(),
            "--from",
            "MDV-LGC-Va2",
            "--to",
            "MS-Va2",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("MDV-LGC-Va2 → MS-Va2 : 2 correspondance(s), enregistrée(s)"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_workbooks_exit_1_with_located_errors() {
    let dir = tempdir("bad");
    let mut rows = fixtures::rem_rows(5, 0);
    rows[2].id = "pas-un-id".into();
    let bad = dir.join("bad.xlsx");
    std::fs::write(&bad, fixtures::published_workbook(&rows, false).unwrap()).unwrap();
    let o = segur_plain(&[
        "catalogue",
        "import",
        bad.to_str().unwrap(),
        "--dispositif",
        "MDV-LGC-Va2",
        "--version",
        "3",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("feuille « Exigences », ligne 5, colonne A"),
        "{}",
        text(&o)
    );

    let mut protected = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    protected.extend(std::iter::repeat_n(0u8, 512));
    protected.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let p = dir.join("protege.xlsx");
    std::fs::write(&p, protected).unwrap();
    let o = segur_plain(&[
        "catalogue",
        "import",
        p.to_str().unwrap(),
        "--dispositif",
        "MDV-LGC-Va2",
        "--version",
        "3",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("protégé par mot de passe"),
        "{}",
        text(&o)
    );

    // Own-format files name their dispositif and version.
    let toml = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/rem/ms-va2.toml");
    let o = segur_plain(&["catalogue", "diff", toml, toml]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).starts_with("REM MS-Va2 1.0 → 1.0 : 0 modification "),
        "{}",
        text(&o)
    );

    let o = segur_plain(&[
        "catalogue",
        "import",
        "/nonexistent.xlsx",
        "--dispositif",
        "MDV-LGC-Va2",
        "--version",
        "3",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = segur_plain(&[
        "catalogue",
        "import",
        p.to_str().unwrap(),
        "--dispositif",
        "mdv",
        "--version",
        "3",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
