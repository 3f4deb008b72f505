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
        "medisol-ms",
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

/// `medisol-ms` is what the browser test (e2e/run.mjs) instructs and refers: in instruction,
/// every proof to deposit deposited, all validated but the two the instructeur decides on, and no
/// error diagnostic in the way.
#[test]
fn medisol_is_ready_for_referral_but_two_proofs() {
    let loaded = segur::demo_world().unwrap();
    let c = loaded.world.candidature("medisol-ms").expect("medisol-ms");
    assert_eq!(c.candidature.state.as_str(), "in_instruction");
    let at = jiff::civil::date(2026, 12, 7);
    let plan = rules::plan(&loaded.world, "medisol-ms", at, &loaded.settings).unwrap();
    let to_deposit: Vec<String> = plan
        .items
        .iter()
        .filter(|i| i.status.must_deposit())
        .map(|i| {
            format!(
                "{} {}/{} {}",
                i.key.requirement.as_str(),
                i.key.scenario,
                i.key.proof,
                i.deposit.map(|d| d.as_str()).unwrap_or("none")
            )
        })
        .collect();
    assert_eq!(
        to_deposit,
        [
            "SC.SSI/GEN.18 1/1 validated",
            "MS.PH.01 1/1 validated",
            "MS.PH.01 1/2 validated",
            "MS.PH.10 1/1 validated",
            "MS.PH.10 1/2 deposited",
            "MS.AHI.01 1/1 validated",
            "MS.AHI.01 1/2 deposited",
        ]
    );
    assert_eq!(segur_domain::decision::blockers(&plan).len(), 2);
    let errors: Vec<String> = rules::check(&loaded.world, at, &loaded.settings)
        .into_iter()
        .filter(|d| d.is_error() && d.subject.contains("medisol-ms"))
        .map(|d| format!("{} {}", d.rule, d.message_fr))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
