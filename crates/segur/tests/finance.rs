//! `segur finance check` (the simulator offline) on the request examples, compared with the
//! reviewed outputs in `examples/requests/expected/` (`UPDATE_EXPECT=1` rewrites them), and
//! `segur finance import-base` through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use segur::commands::check::CheckFormat;
use segur::commands::finance::{self, FinanceCheckArgs};

fn requests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/requests")
}

fn run(file: &str, format: CheckFormat) -> (u8, String) {
    let dir = requests_dir();
    let args = FinanceCheckArgs {
        file: dir.join(file),
        world: Some(dir.join("context.toml")),
        editor: None,
        at: Some(jiff::civil::date(2026, 11, 22)),
        format,
    };
    let mut out = Vec::new();
    let code = finance::execute(&args, &mut out, false).expect("runs");
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn fin_04_request_examples_match_their_reviewed_outputs() {
    for (file, expected_code) in [
        ("advance-ok.json", 0),
        ("advance-rules-failed.json", 1),
        ("advance-malformed.json", 2),
    ] {
        let (code, json) = run(file, CheckFormat::Json);
        assert_eq!(code, expected_code, "{file}: {json}");
        let expected_path = requests_dir()
            .join("expected")
            .join(file.replace(".json", ".check.json"));
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &json).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        assert_eq!(json, expected, "{file}: output changed");
    }
}

#[test]
fn fin_03_fin_01_rules_failed_example_names_each_rule() {
    let (_, json) = run("advance-rules-failed.json", CheckFormat::Json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["accepted"], false);
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    for rule in ["FIN-01", "FIN-03", "FIN-04"] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    let (_, human) = run("advance-malformed.json", CheckFormat::Human);
    assert!(human.contains("/order/amount_ht"), "{human}");
    assert!(human.contains("/kind"), "{human}");
}

#[test]
fn finance_check_refuses_unreadable_documents() {
    let dir = std::env::temp_dir().join(format!("segur-fin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let big = dir.join("big.json");
    std::fs::write(&big, vec![b' '; 300 * 1024]).unwrap();
    for file in [&bad, &big, &dir.join("missing.json")] {
        let args = FinanceCheckArgs {
            file: file.clone(),
            world: None,
            editor: None,
            at: None,
            format: CheckFormat::Human,
        };
        let mut out = Vec::new();
        assert_eq!(finance::execute(&args, &mut out, false).unwrap(), 2);
        assert!(!out.is_empty());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn fin_03_import_base_command_checks_then_imports() {
    let dir = std::env::temp_dir().join(format!("segur-base-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("base.csv");
    std::fs::write(
        &base,
        "identifiant,sons,plafond_ht,raison sociale\nfiness_et:750712184,HOP-DPI-Va2,150000,CH Nord\n",
    )
    .unwrap();
    let segur = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_segur"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .output()
            .expect("segur runs")
    };
    let path = base.to_str().unwrap();
    let dry = segur(&["finance", "import-base", path, "--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        out.contains("1 structure(s)") && out.contains("rien n'a été enregistré"),
        "{out}"
    );
    let done = segur(&["finance", "import-base", path]);
    assert!(done.status.success(), "{done:?}");
    assert!(String::from_utf8_lossy(&done.stdout).contains("1 structure(s) ajoutée(s)"));
    let again = segur(&["finance", "import-base", path]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("1 mise(s) à jour"));

    std::fs::write(
        &base,
        "identifiant,sons,plafond_ht\nfiness_et:750712184,HOP-DPI-Va2,150000\n750712184,HOP-DPI-Va2,1,5\n",
    )
    .unwrap();
    let bad = segur(&["finance", "import-base", path]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("ligne 3") && err.contains("identifiant"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
