//! Every world file of `examples/` is checked (and planned, for the candidatures its header
//! names) through the library commands, and the JSON output is compared with
//! `examples/expected/`. `UPDATE_EXPECT=1` rewrites the expected files; they are then reviewed
//! against the rules (see `seed_cases.rs` for the rule-level assertions).
//!
//! The date of each run is the one written in the example's header: `segur check FILE --at D`
//! and `segur plan FILE --candidature ID --at D`.

use std::path::{Path, PathBuf};

use segur::commands::check::{self, CheckArgs, CheckFormat};
use segur::commands::plan::{self, PlanArgs, PlanFormat};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// The `segur check` / `segur plan` invocations written in an example's header comments.
struct Invocations {
    check_at: jiff::civil::Date,
    plans: Vec<(String, jiff::civil::Date)>,
}

fn invocations(text: &str, name: &str) -> Invocations {
    let mut check_at = None;
    let mut plans = Vec::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let after = |flag: &str| {
            words
                .iter()
                .position(|w| *w == flag)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        let at = after("--at").map(|d| {
            d.parse::<jiff::civil::Date>()
                .expect("valid --at in header")
        });
        if words.contains(&"check") {
            check_at = at;
        } else if words.contains(&"plan") {
            let cand = after("--candidature").expect("--candidature in plan header line");
            plans.push((cand.to_owned(), at.expect("--at in plan header line")));
        }
    }
    Invocations {
        check_at: check_at
            .unwrap_or_else(|| panic!("{name}: no `segur check … --at DATE` line in its header")),
        plans,
    }
}

fn compare_or_update(expected_path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).expect("write expected file");
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_EXPECT=1 to create it, then review it)",
            expected_path.display()
        )
    });
    assert_eq!(
        expected.trim_end(),
        actual.trim_end(),
        "{} differs from the actual output (UPDATE_EXPECT=1 regenerates it)",
        expected_path.display()
    );
}

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn at_least_seven_examples_exist() {
    assert!(example_files().len() >= 7, "{:?}", example_files());
}

#[test]
fn every_example_matches_its_expected_output() {
    let expected_dir = examples_dir().join("expected");
    for file in example_files() {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name")
            .to_owned();
        let text = std::fs::read_to_string(&file).expect("read example");
        let inv = invocations(&text, &name);

        let mut out = Vec::new();
        let code = check::execute(
            &CheckArgs {
                file: file.clone(),
                at: Some(inv.check_at),
                format: CheckFormat::Json,
            },
            &mut out,
            false,
        )
        .expect("check runs");
        let json = String::from_utf8(out).expect("utf-8 output");
        assert_ne!(code, 2, "{name}: the example must load:\n{json}");
        let doc: serde_json::Value = serde_json::from_str(&json).expect("check output is JSON");
        let errors = doc["summary"]["errors"].as_u64().expect("summary.errors");
        assert_eq!(
            code == 1,
            errors > 0,
            "{name}: exit code {code} but {errors} errors"
        );
        compare_or_update(&expected_dir.join(format!("{name}.check.json")), &json);

        for (cand, at) in &inv.plans {
            let mut out = Vec::new();
            let code = plan::execute(
                &PlanArgs {
                    file: file.clone(),
                    candidature: cand.clone(),
                    at: Some(*at),
                    format: PlanFormat::Json,
                },
                &mut out,
                false,
            )
            .expect("plan runs");
            let json = String::from_utf8(out).expect("utf-8 output");
            assert_ne!(code, 2, "{name}: plan of {cand} must compute:\n{json}");
            compare_or_update(&expected_dir.join(format!("{name}.plan.json")), &json);
        }
    }
}

#[test]
fn human_and_table_renderings_name_rules_and_statuses() {
    let file = examples_dir().join("01-monlps-psf-case-2a.toml");
    let mut out = Vec::new();
    plan::execute(
        &PlanArgs {
            file: file.clone(),
            candidature: "monlps-psf".into(),
            at: Some(jiff::civil::date(2026, 11, 15)),
            format: PlanFormat::Table,
        },
        &mut out,
        false,
    )
    .unwrap();
    let table = String::from_utf8(out).unwrap();
    for needle in [
        "Chapitre",
        "SC.PSC.01.01",
        "Équivalente",
        "EQV-06",
        "NRU-MDV-2026-0142",
        "Profil SF",
        "Total",
    ] {
        assert!(table.contains(needle), "table lacks {needle}:\n{table}");
    }
    let mut out = Vec::new();
    plan::execute(
        &PlanArgs {
            file: file.clone(),
            candidature: "monlps-psf".into(),
            at: Some(jiff::civil::date(2026, 11, 15)),
            format: PlanFormat::Human,
        },
        &mut out,
        false,
    )
    .unwrap();
    let human = String::from_utf8(out).unwrap();
    assert!(
        human.contains("Profil sage-femme") && human.contains("À déposer"),
        "{human}"
    );
    assert!(!human.contains("\x1b["), "no colour when colour is off");

    let mut out = Vec::new();
    check::execute(
        &CheckArgs {
            file: examples_dir().join("05-late-pentest.toml"),
            at: Some(jiff::civil::date(2025, 10, 1)),
            format: CheckFormat::Human,
        },
        &mut out,
        true,
    )
    .unwrap();
    let human = String::from_utf8(out).unwrap();
    assert!(
        human.contains("PEN-04") && human.contains("\x1b["),
        "{human}"
    );
}
