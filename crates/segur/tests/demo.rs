//! The demo world (`segur serve --demo`) loads from the files compiled into the binary and
//! shows a newcomer at least one real diagnostic of every family of rules.

use std::collections::BTreeSet;

use segur_domain::rules;

#[test]
fn demo_world_loads_with_stable_ids() {
    let loaded = segur::demo_world().unwrap_or_else(|e| panic!("demo world: {e}"));
    let w = &loaded.world;
    let editors: BTreeSet<&str> = w.editors.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        editors,
        BTreeSet::from(["ed-monlps", "ed-medi", "ed-hopital"])
    );
    for id in [
        "monlps-mdv",
        "monlps-psf",
        "medi10-ms",
        "medi20-ms",
        "hospidpi-dpi",
    ] {
        assert!(w.candidature(id).is_some(), "candidature {id}");
    }
    let mdv = w
        .rem_versions
        .iter()
        .find(|r| r.dispositif.as_str() == "MDV-LGC-Va2")
        .expect("MDV REM");
    assert!(mdv.illustrative);
    let n = mdv.proof_items().len();
    assert!((130..=150).contains(&n), "about 140 proof items, got {n}");
    for r in &w.rem_versions {
        assert!(
            r.illustrative,
            "{} must be marked illustrative",
            r.dispositif
        );
    }
    for c in w
        .calendars
        .iter()
        .filter(|c| c.dispositif.as_str() != "MDV-LGC-Va2")
    {
        assert!(
            c.arrete.title.contains("illustratif"),
            "{} calendar must say it is illustrative",
            c.dispositif
        );
    }
    // The MDV calendar is the built-in one, amended in June 2026 (CAL-02).
    let mdv_cal: Vec<_> = w
        .calendars
        .iter()
        .filter(|c| c.dispositif.as_str() == "MDV-LGC-Va2")
        .collect();
    assert_eq!(mdv_cal.len(), 2);
    // Deposit statuses are spread so that the UI shows progress.
    let statuses: BTreeSet<_> = w
        .candidatures
        .iter()
        .flat_map(|c| c.deposits.iter().map(|d| d.status))
        .collect();
    for s in ["validated", "deposited", "complement_requested"] {
        assert!(
            statuses.iter().any(|x| x.as_str() == s),
            "no {s} deposit in the demo"
        );
    }
}

#[test]
fn demo_world_exercises_every_family_of_rules() {
    let loaded = segur::demo_world().unwrap();
    let diags = rules::check(
        &loaded.world,
        jiff::civil::date(2026, 11, 22),
        &loaded.settings,
    );
    let families: BTreeSet<&str> = diags
        .iter()
        .filter_map(|d| d.rule.split('-').next())
        .collect();
    for family in [
        "LIF", "HER", "EQV", "NAM", "CNDA", "PSC", "PEN", "CAL", "DEP",
    ] {
        assert!(
            families.contains(family),
            "no {family} diagnostic in the demo; got {:?}",
            diags
                .iter()
                .map(|d| format!("{} {}", d.rule, d.subject))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_demo_candidature_has_a_plan() {
    let loaded = segur::demo_world().unwrap();
    for c in &loaded.world.candidatures {
        let plan = rules::plan(
            &loaded.world,
            &c.id,
            jiff::civil::date(2026, 11, 22),
            &loaded.settings,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", c.id));
        assert!(!plan.items.is_empty(), "{}", c.id);
    }
}
