//! The rules engine on the candidature-as-code examples of `examples/`: every file loads, every
//! candidature gets a plan, every diagnostic cites a catalogued rule, and the seed situations
//! each example illustrates produce the decision they are about.

use std::path::{Path, PathBuf};

use segur_domain::rules::{self, PlanStatus, Severity};
use segur_domain::world_file::{self, Format, LoadedWorld};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn load(name: &str) -> LoadedWorld {
    let dir = examples_dir();
    let path = dir.join(name);
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let resolve = |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string());
    world_file::load(&source, Format::Toml, name, &resolve)
        .unwrap_or_else(|e| panic!("{name}: {}", e.message_fr))
}

/// The `--at` date given in the example's header comment, or a default.
fn at_of(name: &str) -> jiff::civil::Date {
    let source = std::fs::read_to_string(examples_dir().join(name)).unwrap_or_default();
    source
        .lines()
        .filter_map(|l| l.split("--at ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .next()
        .unwrap_or(jiff::civil::date(2026, 12, 1))
}

fn example_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(examples_dir())
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_example_plans_and_checks_with_catalogued_rules() {
    let files = example_files();
    if files.is_empty() {
        return; // The examples are optional in a partial checkout.
    }
    for name in files {
        let loaded = load(&name);
        let at = at_of(&name);
        for c in &loaded.world.candidatures {
            let p = rules::plan(&loaded.world, &c.id, at, &loaded.settings)
                .unwrap_or_else(|e| panic!("{name}/{}: {e}", c.id));
            assert_eq!(
                p.items.len(),
                p.totals.required
                    + p.totals.inherited
                    + p.totals.equivalent
                    + p.totals.impacted
                    + p.totals.not_applicable
            );
        }
        for d in rules::check(&loaded.world, at, &loaded.settings) {
            assert!(
                rules::rule(&d.rule).is_some(),
                "{name}: {} not catalogued",
                d.rule
            );
        }
    }
}

fn errors(name: &str, rule: &str) -> usize {
    let loaded = load(name);
    rules::check(&loaded.world, at_of(name), &loaded.settings)
        .iter()
        .filter(|d| d.rule == rule && d.severity == Severity::Error)
        .count()
}

#[test]
fn eqv_04_example_root_declared_on_d2() {
    let name = "07-root-nru-on-d2.toml";
    if !examples_dir().join(name).exists() {
        return;
    }
    assert!(errors(name, "EQV-04") > 0);
    let loaded = load(name);
    for c in &loaded.world.candidatures {
        let p = rules::plan(&loaded.world, &c.id, at_of(name), &loaded.settings).unwrap();
        assert!(
            p.items.iter().all(|i| i.status != PlanStatus::Equivalent),
            "{}",
            c.id
        );
    }
}

#[test]
fn her_04_example_double_heritage_inherits() {
    let name = "04-ms-double-heritage.toml";
    if !examples_dir().join(name).exists() {
        return;
    }
    let loaded = load(name);
    let inherited: usize = loaded
        .world
        .candidatures
        .iter()
        .map(|c| {
            rules::plan(&loaded.world, &c.id, at_of(name), &loaded.settings)
                .unwrap()
                .totals
                .inherited
        })
        .sum();
    assert!(inherited > 0);
}
