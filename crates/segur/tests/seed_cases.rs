//! Rule-level expectations of the seed cases reproduced in `examples/`: what the rules say, asserted
//! independently of the checked-in JSON outputs (which `UPDATE_EXPECT=1` can regenerate).

use std::path::{Path, PathBuf};

use segur_domain::rules::{self, Diagnostic, PlanStatus, ProofPlan, Severity};
use segur_domain::world_file::LoadedWorld;

fn load(name: &str) -> LoadedWorld {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    segur::load_world_file(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn plan(w: &LoadedWorld, cand: &str, at: jiff::civil::Date) -> ProofPlan {
    rules::plan(&w.world, cand, at, &w.settings).unwrap_or_else(|e| panic!("{cand}: {e}"))
}

fn status_of(p: &ProofPlan, req: &str) -> Vec<PlanStatus> {
    p.items
        .iter()
        .filter(|i| i.key.requirement.as_str() == req)
        .map(|i| i.status)
        .collect()
}

fn assert_all(p: &ProofPlan, reqs: &[&str], expected: PlanStatus, nru: Option<&str>) {
    for req in reqs {
        let items: Vec<_> = p
            .items
            .iter()
            .filter(|i| i.key.requirement.as_str() == *req)
            .collect();
        assert!(!items.is_empty(), "{req} not in the plan");
        for i in items {
            assert_eq!(i.status, expected, "{} of {}", i.key, p.candidature);
            if let Some(nru) = nru {
                assert_eq!(
                    i.source_nru.as_ref().map(|n| n.as_str()),
                    Some(nru),
                    "{}",
                    i.key
                );
            }
        }
    }
}

fn errors_of<'a>(diags: &'a [Diagnostic], subject_contains: &str) -> Vec<&'a Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error && d.subject.contains(subject_contains))
        .collect()
}

#[test]
fn eqv_08_case_2a_exempts_common_validated_proofs_only() {
    let w = load("01-monlps-psf-case-2a.toml");
    let at = jiff::civil::date(2026, 11, 15);
    let p = plan(&w, "monlps-psf", at);
    // EQV-06: mapped by the list and validated in the root referencing.
    assert_all(
        &p,
        &[
            "SC.PSC.01.01",
            "SC.INS.01.02",
            "SC.SSI/GEN.18",
            "SC.SSI/GEN.19",
            "SC.DMP.01",
            "SC.MSS.01",
            "SC.MSS.20",
        ],
        PlanStatus::Equivalent,
        Some("NRU-MDV-2026-0142"),
    );
    // Not in the list (pentest, PSF-specific) or profile-specific (SF, Kiné): to deposit.
    assert_all(
        &p,
        &[
            "SC.PSC.14",
            "PSF.DMP.01",
            "PSF.SF.01",
            "PSF.SF.02",
            "PSF.KINE.01",
        ],
        PlanStatus::Required,
        None,
    );
    // One candidature for both names with the attestation: no error (EQV-08, NAM-01, CNDA-01).
    let diags = rules::check(&w.world, at, &w.settings);
    assert!(errors_of(&diags, "monlps-psf").is_empty(), "{diags:#?}");
}

#[test]
fn eqv_09_case_3a_impacted_chapter_must_be_deposited() {
    let w = load("02-monlps-psf-case-3a.toml");
    let at = jiff::civil::date(2026, 11, 15);
    let p = plan(&w, "monlps-psf", at);
    assert_all(&p, &["SC.MSS.01", "SC.MSS.20"], PlanStatus::Impacted, None);
    assert_all(
        &p,
        &["SC.PSC.01.01", "SC.SSI/GEN.18", "SC.DMP.01"],
        PlanStatus::Equivalent,
        Some("NRU-MDV-2026-0142"),
    );
    assert!(
        p.items
            .iter()
            .filter(|i| i.status == PlanStatus::Impacted)
            .all(|i| i.rules.iter().any(|r| r == "EQV-09"))
    );
    let diags = rules::check(&w.world, at, &w.settings);
    assert!(
        errors_of(&diags, "monlps-psf").is_empty(),
        "root, new component, impacted chapter, names and attestation are declared: {diags:#?}"
    );
}

#[test]
fn eqv_10_case_2b_medi20_deposits_its_profile_and_impacted_chapter() {
    let w = load("03-medi20-ms-case-2b.toml");
    let at = jiff::civil::date(2026, 9, 1);
    let p = plan(&w, "medi20-ms", at);
    assert_all(&p, &["MS.PHDO.01"], PlanStatus::Required, None);
    assert_all(&p, &["SC.DUI.01", "SC.DUI.20"], PlanStatus::Impacted, None);
    assert_all(
        &p,
        &["SC.PSC.01.01", "SC.SSI/GEN.01"],
        PlanStatus::Equivalent,
        Some("NRU-MS-2026-0031"),
    );
    assert_all(
        &p,
        &[
            "MS.PA.01",
            "MS.PA.10",
            "MS.PH.01",
            "MS.PDS.01",
            "MS.PDE.01",
            "SC.SSI/GEN.18",
        ],
        PlanStatus::NotApplicable,
        None,
    );
    let diags = rules::check(&w.world, at, &w.settings);
    assert!(errors_of(&diags, "medi20-ms").is_empty(), "{diags:#?}");
}

#[test]
fn her_04_medico_social_double_heritage() {
    let w = load("04-ms-double-heritage.toml");
    let at = jiff::civil::date(2026, 6, 1);
    let p = plan(&w, "sociodui-ms", at);
    // Général and PA va1 proofs from MS1 (PA), PDS va1 proofs from MS2 (PDS).
    assert_all(
        &p,
        &["MS.PA.01"],
        PlanStatus::Inherited,
        Some("NRU-MS1-V1-0300"),
    );
    assert_all(
        &p,
        &["MS.PDS.01"],
        PlanStatus::Inherited,
        Some("NRU-MS2-V1-0301"),
    );
    assert_all(
        &p,
        &["SC.DUI.01", "SC.SSI/GEN.01"],
        PlanStatus::Inherited,
        None,
    );
    // va2 proofs are deposited; profiles not selected do not apply.
    assert_all(
        &p,
        &[
            "SC.DUI.20",
            "SC.PSC.01.01",
            "SC.PSC.14",
            "MS.PA.10",
            "MS.PDS.10",
        ],
        PlanStatus::Required,
        None,
    );
    assert_all(
        &p,
        &["MS.PH.01", "MS.PDE.01"],
        PlanStatus::NotApplicable,
        None,
    );
    let diags = rules::check(&w.world, at, &w.settings);
    assert!(
        diags
            .iter()
            .all(|d| !d.rule.starts_with("HER") || d.severity != Severity::Error),
        "{diags:#?}"
    );
}

#[test]
fn pen_03_pen_04_late_form_with_scanned_signature() {
    let w = load("05-late-pentest.toml");
    let diags = rules::check(&w.world, jiff::civil::date(2025, 10, 1), &w.settings);
    let errs: Vec<&str> = errors_of(&diags, "hospidpi-dpi")
        .iter()
        .map(|d| d.rule.as_str())
        .collect();
    assert!(errs.contains(&"PEN-04"), "{diags:#?}");
    assert!(errs.contains(&"PEN-03"), "{diags:#?}");
    assert!(!errs.contains(&"PEN-02"), "the provider is PASSI-qualified");
}

#[test]
fn cnda_02_new_request_for_version_or_referential_change() {
    let w = load("06-cnda-version-change.toml");
    let diags = rules::check(&w.world, jiff::civil::date(2026, 11, 15), &w.settings);
    let cnda: Vec<&Diagnostic> = errors_of(&diags, "cabinetplus-mdv")
        .into_iter()
        .filter(|d| d.rule == "CNDA-02")
        .collect();
    assert_eq!(cnda.len(), 2, "{diags:#?}");
    assert!(
        cnda.iter()
            .any(|d| d.message_fr.contains("NIL-CABP-01") && d.message_fr.contains("3.1"))
    );
    assert!(
        cnda.iter()
            .any(|d| d.message_fr.contains("NIL-CABP-02") && d.message_fr.contains("2.10 MCO2"))
    );
}

#[test]
fn eqv_04_root_declared_on_d2_is_refused() {
    let w = load("07-root-nru-on-d2.toml");
    let at = jiff::civil::date(2026, 12, 20);
    let diags = rules::check(&w.world, at, &w.settings);
    assert!(
        errors_of(&diags, "monlps-psf")
            .iter()
            .any(|d| d.rule == "EQV-04"),
        "{diags:#?}"
    );
    let p = plan(&w, "monlps-psf", at);
    assert!(p.items.iter().all(|i| i.status != PlanStatus::Equivalent));
    assert_eq!(
        status_of(&p, "SC.PSC.01.01"),
        vec![PlanStatus::Required, PlanStatus::Required]
    );
}

#[test]
fn cal_02_amended_mdv_d2_applies_and_dep_01_checkpoint_stays() {
    let w = load("08-mdv-amended-calendar.toml");
    let at = jiff::civil::date(2026, 9, 1);
    let diags = rules::check(&w.world, at, &w.settings);
    // D2 moved from 22/07/2026 to 20/01/2027: not late on 01/09/2026.
    assert!(
        !diags
            .iter()
            .any(|d| d.rule == "LIF-05" && d.severity == Severity::Error),
        "{diags:#?}"
    );
    // 3 Général va2 proofs deposited by 22/07/2026 (the 4th on 20/08): DEP-01 warns.
    let dep01: Vec<_> = diags.iter().filter(|d| d.rule == "DEP-01").collect();
    assert_eq!(dep01.len(), 1, "{diags:#?}");
    assert_eq!(dep01[0].severity, Severity::Warning);
    assert!(dep01[0].message_fr.contains('3'), "{}", dep01[0].message_fr);
}
