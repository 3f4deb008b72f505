//! Tests of the rules engine, one or more per rule ID (the ID is in each test's name).

use super::testkit::*;
use super::*;
use crate::calendar::Milestone;
use crate::candidature::CandidatureState;
use crate::catalogue::{Profile, Wave};
use crate::proof::ProofStatus;
use crate::referencing::ReferencingStatus;
use crate::world::{
    CndaStatus, HabilitationChange, HabilitationKind, PscHabilitation, SignatureKind,
    TestEnvironment, WorldCandidature,
};

const AT: jiff::civil::Date = jiff::civil::date(2026, 3, 1);

fn plan_of(w: &World) -> ProofPlan {
    plan(w, "cand", AT, &Settings::default()).unwrap()
}

fn status_of(p: &ProofPlan, req: &str) -> PlanStatus {
    p.items
        .iter()
        .find(|i| i.key.requirement.as_str() == req)
        .unwrap()
        .status
}

fn rules_of(p: &ProofPlan, req: &str) -> Vec<String> {
    p.items
        .iter()
        .find(|i| i.key.requirement.as_str() == req)
        .unwrap()
        .rules
        .clone()
}

fn has(ds: &[Diagnostic], rule: &str, severity: Severity) -> bool {
    ds.iter().any(|d| d.rule == rule && d.severity == severity)
}

// ---------------------------------------------------------------- baseline

#[test]
fn standard_world_is_clean() {
    let w = world();
    let errors: Vec<_> = check(&w, AT, &Settings::default())
        .into_iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn lif_03_plan_of_standard_world() {
    let p = plan_of(&world());
    // 6 requirements, SC.INS.01 has 2 proofs: 7 items; Ordonnance not selected.
    assert_eq!(p.items.len(), 7);
    assert_eq!(p.totals.required, 5);
    assert_eq!(p.totals.not_applicable, 2);
    assert_eq!(status_of(&p, "LGC.ORD.01"), PlanStatus::NotApplicable);
    assert_eq!(rules_of(&p, "LGC.ORD.01"), vec!["LIF-03"]);
    assert_eq!(
        p.by_chapter
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["INS", "DMP", "PSC", "ORD"]
    );
    assert_eq!(p.by_profile[0].0, Profile::general());
    assert_eq!(p.by_profile[0].1.required, 5);
    assert_eq!(p.rem_version, "1.0");
}

#[test]
fn lif_03_selected_profile_becomes_required() {
    let mut w = world();
    cand(&mut w).candidature.profiles = vec![profile("Ordonnance")];
    let p = plan_of(&w);
    assert_eq!(status_of(&p, "LGC.ORD.01"), PlanStatus::Required);
    assert_eq!(p.totals.required, 7);
}

#[test]
fn lif_03_deposit_on_unselected_profile_or_unknown_item_is_refused() {
    let mut w = world();
    cand(&mut w).deposits = vec![
        deposit("LGC.ORD.01", 1, ProofStatus::Deposited, Some(d(2026, 1, 5))),
        deposit("SC.NOPE.01", 1, ProofStatus::Deposited, Some(d(2026, 1, 5))),
        deposit("LGC.DMP.01", 1, ProofStatus::Deposited, Some(d(2026, 1, 5))),
    ];
    let ds = diags(&w, AT, "LIF-03");
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert!(ds.iter().all(|d| d.severity == Severity::Error));
    assert!(ds.iter().any(|d| d.subject.contains("LGC.ORD.01")));
    let p = plan_of(&w);
    assert_eq!(p.totals.deposited, 1);
}

#[test]
fn plan_errors_are_reported() {
    let w = world();
    assert_eq!(
        plan(&w, "nope", AT, &Settings::default()),
        Err(PlanError::UnknownCandidature("nope".into()))
    );
    let mut w = world();
    cand(&mut w).candidature.rem_version = "9.9".into();
    let e = plan(&w, "cand", AT, &Settings::default()).unwrap_err();
    assert!(matches!(e, PlanError::UnknownRemVersion { .. }));
    assert!(e.to_string().contains("9.9"));
    assert!(has(
        &check(&w, AT, &Settings::default()),
        "REM-01",
        Severity::Error
    ));
    assert_eq!(
        check_candidature(&w, "nope", AT, &Settings::default())[0].severity,
        Severity::Error
    );
}

// ---------------------------------------------------------------- LIF

#[test]
fn lif_01_charte_must_be_accepted_before_filing() {
    let mut w = world();
    w.editors[0].charte_accepted_on = None;
    assert_eq!(sev(&w, AT, "LIF-01"), vec![Severity::Error]);
    w.editors[0].charte_accepted_on = Some(d(2025, 9, 2));
    assert_eq!(
        sev(&w, AT, "LIF-01"),
        vec![Severity::Error],
        "accepted the day after filing"
    );
    w.editors[0].charte_accepted_on = Some(d(2025, 9, 1));
    assert!(
        sev(&w, AT, "LIF-01").is_empty(),
        "accepted the day of filing"
    );
    cand(&mut w).editor = "ghost".into();
    assert!(diags(&w, AT, "LIF-01")[0].message_fr.contains("inconnu"));
}

#[test]
fn lif_02_eligibility_requires_nie_nil_and_cnda_pre_examen() {
    let mut w = world();
    w.editors[0].nie = None;
    cand(&mut w).eligibility.cnda_proof = false;
    w.cnda_requests[0].status = CndaStatus::Submitted;
    let ds = diags(&w, AT, "LIF-02");
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert!(
        ds.iter().any(|d| d.message_fr.contains("statut : déposée")),
        "{ds:#?}"
    );
    assert!(ds.iter().all(|d| d.severity == Severity::Error));
    // Before eligibility is claimed complete, the same findings are warnings.
    cand(&mut w).candidature.state = CandidatureState::AdminSubmitted;
    assert!(
        sev(&w, AT, "LIF-02")
            .iter()
            .all(|s| *s == Severity::Warning)
    );
    cand(&mut w).candidature.state = CandidatureState::Draft;
    assert!(sev(&w, AT, "LIF-02").is_empty());
}

#[test]
fn lif_02_one_nil_per_name_and_refused_cnda_does_not_count() {
    let mut w = world();
    cand(&mut w)
        .candidature
        .solution
        .names
        .push(name("AutreNom", "NIL1", "5.1"));
    cand(&mut w).candidature.attestation_honneur = true;
    assert!(
        diags(&w, AT, "LIF-02")
            .iter()
            .any(|d| d.message_fr.contains("un NIL par nom"))
    );
    let mut w = world();
    w.cnda_requests[0].status = CndaStatus::Refused;
    assert_eq!(sev(&w, AT, "LIF-02"), vec![Severity::Error]);
    w.cnda_requests[0].status = CndaStatus::InTesting;
    assert!(sev(&w, AT, "LIF-02").is_empty());
}

#[test]
fn lif_04_filed_on_d1_is_accepted_the_day_after_is_not() {
    let mut w = world();
    cand(&mut w).candidature.filed_on = Some(d(2025, 12, 31));
    assert!(sev(&w, AT, "LIF-04").is_empty());
    cand(&mut w).candidature.filed_on = Some(d(2026, 1, 1));
    assert_eq!(sev(&w, AT, "LIF-04"), vec![Severity::Error]);
}

#[test]
fn lif_04_unknown_d1_is_reported_as_info() {
    let mut w = world();
    for c in &mut w.calendars {
        c.dates.remove(&Milestone::D1);
    }
    assert_eq!(sev(&w, AT, "LIF-04"), vec![Severity::Info]);
    cand(&mut w).candidature.filed_on = None;
    assert_eq!(sev(&w, AT, "LIF-04"), vec![Severity::Warning]);
}

#[test]
fn lif_05_complete_dossier_deadline_uses_the_calendar_in_force() {
    let mut w = world();
    let c = cand(&mut w);
    c.candidature.state = CandidatureState::Complete;
    c.candidature.complete_deposit_on = None;
    assert!(
        has(&diags(&w, AT, "LIF-05"), "LIF-05", Severity::Error),
        "complete without a date"
    );
    // Amended D2 (20/01/2027) applies from 11/06/2026.
    cand(&mut w).candidature.complete_deposit_on = Some(d(2027, 1, 20));
    assert!(sev(&w, d(2027, 2, 1), "LIF-05").is_empty(), "on D2 itself");
    cand(&mut w).candidature.complete_deposit_on = Some(d(2027, 1, 21));
    assert_eq!(sev(&w, d(2027, 2, 1), "LIF-05"), vec![Severity::Error]);
}

#[test]
fn lif_05_items_missing_after_d2_are_errors() {
    let w = world();
    assert!(
        sev(&w, d(2027, 1, 20), "LIF-05").is_empty(),
        "D2 not passed yet"
    );
    let ds = diags(&w, d(2027, 1, 21), "LIF-05");
    assert_eq!(ds.len(), 1);
    assert!(
        ds[0].message_fr.contains("5 preuve(s)"),
        "{}",
        ds[0].message_fr
    );
}

#[test]
fn lif_06_unanswered_complement_more_than_five_days() {
    let mut w = world();
    cand(&mut w).deposits = vec![deposit(
        "LGC.DMP.01",
        1,
        ProofStatus::ComplementRequested,
        Some(d(2026, 2, 20)),
    )];
    assert!(
        sev(&w, d(2026, 2, 25), "LIF-06").is_empty(),
        "exactly 5 days"
    );
    assert_eq!(
        sev(&w, d(2026, 2, 26), "LIF-06"),
        vec![Severity::Warning],
        "6 days"
    );
}

#[test]
fn lif_06_working_days_setting() {
    let mut w = world();
    // Friday 2026-02-20; five working days later is Friday 2026-02-27.
    cand(&mut w).deposits = vec![deposit(
        "LGC.DMP.01",
        1,
        ProofStatus::ComplementRequested,
        Some(d(2026, 2, 20)),
    )];
    let s = settings(|r| r.lif06_working_days = true);
    assert!(diags_with(&w, d(2026, 2, 27), "LIF-06", &s).is_empty());
    assert_eq!(
        diags_with(&w, d(2026, 3, 2), "LIF-06", &s).len(),
        1,
        "Monday: 6 working days"
    );
    let s = settings(|r| r.lif06_unanswered_days = 10);
    assert!(diags_with(&w, d(2026, 3, 2), "LIF-06", &s).is_empty());
}

#[test]
fn lif_07_no_complement_request_after_d3() {
    let mut w = world();
    cand(&mut w).deposits = vec![deposit(
        "LGC.DMP.01",
        1,
        ProofStatus::ComplementRequested,
        Some(d(2027, 4, 6)),
    )];
    assert!(sev(&w, d(2027, 4, 6), "LIF-07").is_empty(), "on D3");
    cand(&mut w).deposits[0].deposited_on = Some(d(2027, 4, 7));
    assert_eq!(sev(&w, d(2027, 4, 8), "LIF-07"), vec![Severity::Error]);
}

#[test]
fn lif_08_referenced_candidature_has_one_nru_and_attestation() {
    let mut w = world();
    cand(&mut w).candidature.state = CandidatureState::Referenced;
    cand(&mut w).candidature.complete_deposit_on = Some(d(2026, 1, 10));
    assert_eq!(sev(&w, AT, "LIF-08"), vec![Severity::Error]);
    cand(&mut w).candidature.obtained_nru = Some(nru("NRU-MDV-1"));
    let ds = diags(&w, AT, "LIF-08");
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].severity, Severity::Info);
    assert!(
        ds[0].message_fr.contains("MonLPS (NIL NIL1)"),
        "{}",
        ds[0].message_fr
    );
    let mut other = w.candidatures[0].clone();
    other.id = "autre".into();
    w.candidatures.push(other);
    assert!(
        has(&diags(&w, AT, "LIF-08"), "LIF-08", Severity::Error),
        "NRU shared"
    );
}

#[test]
fn lif_09_deposits_in_impacted_chapters_are_to_requalify() {
    let mut w = world();
    cand(&mut w).candidature.impacted_chapters = vec!["DMP".into()];
    assert!(sev(&w, AT, "LIF-09").is_empty());
    cand(&mut w).deposits = vec![deposit(
        "LGC.DMP.01",
        1,
        ProofStatus::Validated,
        Some(d(2026, 1, 5)),
    )];
    // A deposit made for the declaration as it stands is not to requalify (case 3A/2B).
    assert!(sev(&w, AT, "LIF-09").is_empty());
    // The declaration changed after that deposit: it must be requalified.
    cand(&mut w).candidature.declaration_changed_on = Some(d(2026, 2, 1));
    let ds = diags(&w, AT, "LIF-09");
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].severity, Severity::Warning);
    assert!(ds[0].subject.contains("DMP"));
    // Deposited on the day of the change or after: made for the new declaration.
    cand(&mut w).candidature.declaration_changed_on = Some(d(2026, 1, 5));
    assert!(sev(&w, AT, "LIF-09").is_empty());
}

#[test]
fn lif_10_patch_keeps_the_referencing_minor_change_is_flagged() {
    let mut w = world();
    w.referencings.push(referencing(
        "NRU-MDV-1",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.1.0"),
        &[],
    ));
    cand(&mut w).candidature.obtained_nru = Some(nru("NRU-MDV-1"));
    assert!(
        sev(&w, AT, "LIF-10").is_empty(),
        "5.1 == 5.1.0 textually differs but is equal"
    );
    cand(&mut w).candidature.solution.principal.version = "5.1.3".into();
    assert_eq!(sev(&w, AT, "LIF-10"), vec![Severity::Info]);
    cand(&mut w).candidature.solution.principal.version = "5.2".into();
    assert_eq!(sev(&w, AT, "LIF-10"), vec![Severity::Warning]);
}

// ---------------------------------------------------------------- HER

fn with_heritage(w: &mut World, n: &str, code: &str, principal: &str, profiles: &[&str]) {
    w.referencings
        .push(referencing(n, code, solution(principal, "4.0"), profiles));
    cand(w).candidature.heritage_nrus.push(nru(n));
}

#[test]
fn her_01_same_dispositif_va1_items_are_inherited() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    cand(&mut w).candidature.profiles = vec![profile("Ordonnance")];
    let p = plan_of(&w);
    assert_eq!(status_of(&p, "SC.INS.01"), PlanStatus::Inherited);
    assert_eq!(rules_of(&p, "SC.INS.01"), vec!["HER-01"]);
    assert_eq!(p.items[0].source_nru, Some(nru("NRU-VA1-1")));
    assert_eq!(
        status_of(&p, "LGC.DMP.01"),
        PlanStatus::Required,
        "va2 requirement"
    );
    assert_eq!(
        status_of(&p, "LGC.ORD.02"),
        PlanStatus::Required,
        "va1 profile not covered in va1"
    );
    assert_eq!(p.totals.inherited, 3);
}

#[test]
fn her_01_different_solution_or_va2_referencing_inherits_nothing() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "AutreLPS", &[]);
    let p = plan_of(&w);
    assert_eq!(p.totals.inherited, 0);
    assert!(has(&p.diagnostics, "HER-01", Severity::Error));
    let mut w = world();
    with_heritage(&mut w, "NRU-VA2-1", "MDV-LGC-Va2", "MonLPS", &[]);
    let p = plan_of(&w);
    assert_eq!(p.totals.inherited, 0);
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.rule == "HER-01" && d.message_fr.contains("vague 1"))
    );
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    w.referencings[0].referencing.status = ReferencingStatus::Withdrawn;
    assert_eq!(plan_of(&w).totals.inherited, 0);
}

#[test]
fn her_02_unknown_or_undeclared_heritage_nru() {
    let mut w = world();
    cand(&mut w).candidature.heritage_nrus = vec![nru("NRU-NOPE")];
    assert_eq!(sev(&w, AT, "HER-02"), vec![Severity::Error]);
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    assert!(sev(&w, AT, "HER-02").is_empty());
    cand(&mut w).candidature.filed_on = None;
    assert_eq!(sev(&w, AT, "HER-02"), vec![Severity::Error]);
}

#[test]
fn her_03_at_most_one_heritage_nru_of_the_same_dispositif() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    with_heritage(&mut w, "NRU-VA1-2", "MDV-LGC-Va1", "MonLPS", &[]);
    assert_eq!(sev(&w, AT, "HER-03"), vec![Severity::Error]);
    let s = settings(|r| r.her03_max_heritage_nrus = 2);
    assert!(diags_with(&w, AT, "HER-03", &s).is_empty());
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-3", "HOP-DPI-Va1", "MonLPS", &[]);
    assert_eq!(sev(&w, AT, "HER-03"), vec![Severity::Error]);
}

fn ms_world() -> World {
    let mut w = world();
    w.rem_versions.push(rem(
        "MS-Va2",
        vec![
            requirement("SC.INS.01", "INS", "Général", Wave::Va1, 1),
            requirement("MS.PA.01", "PA", "PA", Wave::Va1, 1),
            requirement("MS.PH.01", "PH", "PH", Wave::Va1, 1),
            requirement("MS.AHI.01", "AHI", "AHI", Wave::Va1, 1),
        ],
    ));
    let c = cand(&mut w);
    c.candidature.dispositif = disp("MS-Va2");
    c.candidature.profiles = vec![profile("PA"), profile("PH"), profile("AHI")];
    w
}

#[test]
fn her_04_medico_social_several_nrus_from_ms1_and_ms2() {
    let mut w = ms_world();
    with_heritage(&mut w, "NRU-MS1", "MS1-Va1", "MonLPS", &["PA"]);
    with_heritage(&mut w, "NRU-MS2", "MS2-Va1", "MonLPS", &["PH"]);
    let p = plan_of(&w);
    assert_eq!(status_of(&p, "SC.INS.01"), PlanStatus::Inherited);
    assert_eq!(status_of(&p, "MS.PA.01"), PlanStatus::Inherited);
    assert_eq!(status_of(&p, "MS.PH.01"), PlanStatus::Inherited);
    assert_eq!(status_of(&p, "MS.AHI.01"), PlanStatus::Required);
    assert_eq!(rules_of(&p, "MS.PH.01"), vec!["HER-04"]);
    assert_eq!(
        p.items
            .iter()
            .find(|i| i.key.requirement.as_str() == "MS.PH.01")
            .unwrap()
            .source_nru,
        Some(nru("NRU-MS2"))
    );
    assert!(
        sev(&w, AT, "HER-03").is_empty(),
        "several NRUs allowed in MS"
    );
    assert!(sev(&w, AT, "HER-04").is_empty());
    with_heritage(&mut w, "NRU-HOP", "HOP-DPI-Va1", "MonLPS", &[]);
    assert_eq!(sev(&w, AT, "HER-04"), vec![Severity::Error]);
}

#[test]
fn her_05_heritage_and_equivalence_combine_inherited_wins() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &[],
    ));
    let c = cand(&mut w);
    c.candidature.root_nru = Some(nru("NRU-ROOT"));
    c.candidature.root_declared_on = Some(d(2026, 1, 10));
    let p = plan_of(&w);
    assert_eq!(status_of(&p, "SC.INS.01"), PlanStatus::Inherited);
    assert_eq!(
        rules_of(&p, "SC.INS.01"),
        vec!["HER-01", "EQV-06", "EQV-10", "HER-05"]
    );
    assert_eq!(status_of(&p, "LGC.DMP.01"), PlanStatus::Equivalent);
    assert_eq!(sev(&w, AT, "HER-05"), vec![Severity::Info]);
}

#[test]
fn her_06_va1_referencing_of_another_dispositif_gives_nothing() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-3", "HOP-DPI-Va1", "MonLPS", &[]);
    let p = plan_of(&w);
    assert_eq!(p.totals.inherited, 0);
    assert!(has(&p.diagnostics, "HER-06", Severity::Warning));
    let s = settings(|r| r.her06_cross_dispositif = true);
    let p = plan(&w, "cand", AT, &s).unwrap();
    assert_eq!(p.totals.inherited, 3);
    assert_eq!(rules_of(&p, "SC.INS.01"), vec!["HER-06"]);
}

// ---------------------------------------------------------------- EQV

/// A PARAMED va2 candidature rooted on an MDV va2 referencing, with a published list.
fn eqv_world() -> World {
    let mut w = world();
    w.rem_versions.push(rem(
        "PARAMED-Va2",
        vec![
            requirement("SC.INS.01", "INS", "Général", Wave::Va2, 1),
            requirement("PAR.DMP.01", "DMP", "Général", Wave::Va2, 1),
            requirement("PAR.KINE.01", "KINE", "Kiné", Wave::Va2, 1),
            requirement("PAR.NEW.01", "NEW", "Général", Wave::Va2, 1),
        ],
    ));
    w.equivalence_lists.push(equivalence(
        "MDV-LGC-Va2",
        "PARAMED-Va2",
        &[
            ("SC.INS.01", "SC.INS.01"),
            ("LGC.DMP.01", "PAR.DMP.01"),
            ("LGC.ORD.01", "PAR.KINE.01"),
        ],
    ));
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &[],
    ));
    let mut c = candidature("para", "PARAMED-Va2", solution("MonLPS", "5.1"));
    c.candidature.root_nru = Some(nru("NRU-ROOT"));
    c.candidature.root_declared_on = Some(d(2026, 1, 10));
    c.candidature.profiles = vec![profile("Kiné")];
    w.candidatures.push(c);
    w
}

fn para(w: &mut World) -> &mut WorldCandidature {
    w.candidatures.iter_mut().find(|c| c.id == "para").unwrap()
}

fn para_plan(w: &World) -> ProofPlan {
    plan(w, "para", AT, &Settings::default()).unwrap()
}

#[test]
fn eqv_06_mapped_requirements_are_equivalent() {
    let w = eqv_world();
    let p = para_plan(&w);
    assert_eq!(status_of(&p, "SC.INS.01"), PlanStatus::Equivalent);
    let dmp = p
        .items
        .iter()
        .find(|i| i.key.requirement.as_str() == "PAR.DMP.01")
        .unwrap();
    assert_eq!(dmp.status, PlanStatus::Equivalent);
    assert_eq!(dmp.source_requirement, Some(rid("LGC.DMP.01")));
    assert_eq!(dmp.source_nru, Some(nru("NRU-ROOT")));
    assert_eq!(dmp.rules, vec!["EQV-06"]);
    assert_eq!(
        status_of(&p, "PAR.NEW.01"),
        PlanStatus::Required,
        "not in the list"
    );
    assert_eq!(
        status_of(&p, "PAR.KINE.01"),
        PlanStatus::Required,
        "profile-specific, root not referenced for it"
    );
    assert!(
        p.diagnostics.iter().all(|d| d.severity == Severity::Info),
        "{:#?}",
        p.diagnostics
    );
}

#[test]
fn eqv_06_profile_specific_item_needs_the_root_profile() {
    let mut w = eqv_world();
    w.referencings[0].referencing.profiles = vec![profile("Kiné")];
    assert_eq!(
        status_of(&para_plan(&w), "PAR.KINE.01"),
        PlanStatus::Equivalent
    );
}

#[test]
fn eqv_06_reverse_list_and_missing_list() {
    let mut w = eqv_world();
    let l = &mut w.equivalence_lists[0];
    std::mem::swap(&mut l.from_dispositif, &mut l.to_dispositif);
    for p in &mut l.pairs {
        std::mem::swap(&mut p.from_requirement, &mut p.to_requirement);
    }
    let p = para_plan(&w);
    assert_eq!(status_of(&p, "PAR.DMP.01"), PlanStatus::Equivalent);
    w.equivalence_lists.clear();
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-06", Severity::Warning));
}

#[test]
fn eqv_06_source_must_be_validated_in_the_root_candidature_when_known() {
    let mut w = eqv_world();
    let c = cand(&mut w);
    c.candidature.state = CandidatureState::Referenced;
    c.candidature.obtained_nru = Some(nru("NRU-ROOT"));
    c.deposits = vec![deposit(
        "LGC.DMP.01",
        1,
        ProofStatus::Validated,
        Some(d(2025, 12, 1)),
    )];
    let p = para_plan(&w);
    assert_eq!(status_of(&p, "PAR.DMP.01"), PlanStatus::Equivalent);
    assert_eq!(
        status_of(&p, "SC.INS.01"),
        PlanStatus::Required,
        "not validated in the root"
    );
}

#[test]
fn eqv_01_different_principal_component_gives_no_equivalence() {
    let mut w = eqv_world();
    w.referencings[0].referencing.solution.principal.name = "MonLPS Module".into();
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-01", Severity::Error));
}

#[test]
fn eqv_02_root_cannot_also_be_heritage_or_own_nru() {
    let mut w = eqv_world();
    para(&mut w).candidature.heritage_nrus = vec![nru("NRU-ROOT")];
    assert!(has(&diags(&w, AT, "EQV-02"), "EQV-02", Severity::Error));
    let mut w = eqv_world();
    para(&mut w).candidature.root_nru = None;
    assert_eq!(sev(&w, AT, "EQV-02"), vec![Severity::Warning]);
}

#[test]
fn eqv_03_root_must_be_a_referenced_va2_solution() {
    let mut w = eqv_world();
    para(&mut w).candidature.root_nru = Some(nru("NRU-NOPE"));
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-03", Severity::Error));
    let mut w = eqv_world();
    w.referencings[0].referencing.dispositif = disp("MDV-LGC-Va1");
    assert!(has(&para_plan(&w).diagnostics, "EQV-03", Severity::Error));
}

#[test]
fn eqv_04_root_declared_on_d2_is_refused_day_before_accepted() {
    let mut w = eqv_world();
    w.calendars.push(calendar(
        "PARAMED-Va2",
        "Arrêté PARAMED",
        d(2025, 4, 30),
        &[(Milestone::D2, "2026-09-30")],
    ));
    para(&mut w).candidature.root_declared_on = Some(d(2026, 9, 29));
    assert_eq!(para_plan(&w).totals.equivalent, 2);
    para(&mut w).candidature.root_declared_on = Some(d(2026, 9, 30));
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-04", Severity::Error));
    para(&mut w).candidature.root_declared_on = None;
    assert!(has(&para_plan(&w).diagnostics, "EQV-04", Severity::Warning));
}

#[test]
fn eqv_05_root_version_must_not_exceed_candidate_version() {
    let mut w = eqv_world();
    w.referencings[0].referencing.solution.principal.version = "5.1.0".into();
    assert_eq!(para_plan(&w).totals.equivalent, 2, "5.1.0 == 5.1");
    w.referencings[0].referencing.solution.principal.version = "5.2".into();
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-05", Severity::Error));
    w.referencings[0].referencing.solution.principal.version = "cinq".into();
    assert!(
        para_plan(&w)
            .diagnostics
            .iter()
            .any(|d| d.rule == "EQV-05" && d.message_fr.contains("non ordonnable"))
    );
}

#[test]
fn eqv_05_core_only_comparison_setting() {
    let mut w = eqv_world();
    w.referencings[0].referencing.solution.principal.version = "5.1-build9".into();
    para(&mut w).candidature.solution.principal.version = "5.1-build3".into();
    assert_eq!(
        para_plan(&w).totals.equivalent,
        0,
        "dotted: build 9 > build 3"
    );
    let s = settings(|r| r.eqv05_comparison = VersionComparison::CoreOnly);
    assert_eq!(plan(&w, "para", AT, &s).unwrap().totals.equivalent, 2);
}

#[test]
fn eqv_07_case_1a_identical_solution_is_reported() {
    let w = eqv_world();
    let ds = diags(&w, AT, "EQV-07");
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].severity, Severity::Info);
}

#[test]
fn eqv_08_case_2a_other_names_need_an_attestation() {
    let mut w = eqv_world();
    para(&mut w).candidature.solution.names = vec![name("KinéSoft", "NIL2", "5.1")];
    assert_eq!(sev(&w, AT, "EQV-08"), vec![Severity::Error]);
    para(&mut w).candidature.attestation_honneur = true;
    assert!(sev(&w, AT, "EQV-08").is_empty());
}

#[test]
fn eqv_09_case_3a_new_components_and_impacted_chapters() {
    let mut w = eqv_world();
    para(&mut w).candidature.solution.additional = vec![comp("Agenda", "1.0")];
    let ds = diags(&w, AT, "EQV-09");
    assert_eq!(
        ds.len(),
        3,
        "undeclared component, no impacted chapter, no attestation: {ds:#?}"
    );
    let c = para(&mut w);
    c.candidature.new_components = vec![comp("Agenda", "1.0")];
    c.candidature.impacted_chapters = vec!["DMP".into()];
    c.candidature.attestation_honneur = true;
    assert!(sev(&w, AT, "EQV-09").is_empty());
    let p = para_plan(&w);
    assert_eq!(status_of(&p, "PAR.DMP.01"), PlanStatus::Impacted);
    assert_eq!(
        rules_of(&p, "PAR.DMP.01"),
        vec!["EQV-09", "EQV-06", "LIF-09"]
    );
    assert_eq!(status_of(&p, "SC.INS.01"), PlanStatus::Equivalent);
    assert_eq!(p.totals.impacted, 1);
}

#[test]
fn eqv_10_within_one_dispositif_identity_mapping() {
    let mut w = world();
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &[],
    ));
    let c = cand(&mut w);
    c.candidature.root_nru = Some(nru("NRU-ROOT"));
    c.candidature.root_declared_on = Some(d(2026, 1, 10));
    let p = plan_of(&w);
    assert_eq!(p.totals.equivalent, 5);
    assert_eq!(rules_of(&p, "LGC.DMP.01"), vec!["EQV-06", "EQV-10"]);
    assert_eq!(sev(&w, AT, "EQV-10"), vec![Severity::Info], "case 1B");
    cand(&mut w).candidature.solution.proxy = Some(comp("Proxy", "1.0"));
    assert_eq!(
        sev(&w, AT, "EQV-10"),
        vec![Severity::Error; 3],
        "case 2B: component, impacted chapters, attestation"
    );
    let c = cand(&mut w);
    c.candidature.new_components = vec![comp("Proxy", "1.0")];
    c.candidature.impacted_chapters = vec!["PSC".into()];
    c.candidature.attestation_honneur = true;
    assert!(sev(&w, AT, "EQV-10").is_empty());
    let p = plan_of(&w);
    assert_eq!(status_of(&p, "SC.PSC.14"), PlanStatus::Impacted);
}

#[test]
fn eqv_11_same_solution_twice_needs_both_profiles_and_versions_to_differ() {
    let mut w = world();
    let mut other = w.candidatures[0].clone();
    other.id = "cand2".into();
    other.candidature.solution.principal.version = "6.0".into();
    w.candidatures.push(other);
    // One diagnostic per candidature concerned, each naming the other.
    assert_eq!(
        sev(&w, AT, "EQV-11"),
        vec![Severity::Error, Severity::Error],
        "same profiles"
    );
    let s = settings(|r| r.eqv11_require_both_differ = false);
    assert!(diags_with(&w, AT, "EQV-11", &s).is_empty());
    w.candidatures[1].candidature.profiles = vec![profile("Ordonnance")];
    assert!(sev(&w, AT, "EQV-11").is_empty());
    w.candidatures[1].candidature.solution.principal.version = "5.1.0".into();
    assert_eq!(
        sev(&w, AT, "EQV-11"),
        vec![Severity::Error, Severity::Error],
        "same version"
    );
    assert!(
        check_candidature(&w, "cand2", AT, &Settings::default())
            .iter()
            .any(|d| d.rule == "EQV-11")
    );
    w.candidatures[1].candidature.state = CandidatureState::Abandoned;
    assert!(sev(&w, AT, "EQV-11").is_empty());
}

#[test]
fn eqv_11_many_identical_candidatures_give_one_diagnostic_each_not_one_per_pair() {
    let mut w = world();
    for i in 0..300 {
        let mut other = w.candidatures[0].clone();
        other.id = format!("copy{i:03}");
        w.candidatures.push(other);
    }
    let ds = diags(&w, AT, "EQV-11");
    assert_eq!(ds.len(), 301, "linear, not 45,150 pairs");
    assert!(ds.iter().all(|d| d.message_fr.contains("autre(s)")));
}

#[test]
fn eqv_12_same_dispositif_root_declared_on_d2_is_refused() {
    let mut w = world();
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &[],
    ));
    let c = cand(&mut w);
    c.candidature.root_nru = Some(nru("NRU-ROOT"));
    c.candidature.root_declared_on = Some(d(2027, 1, 20));
    let p = plan_of(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert!(has(&p.diagnostics, "EQV-12", Severity::Error));
    cand(&mut w).candidature.root_declared_on = Some(d(2027, 1, 19));
    assert_eq!(plan_of(&w).totals.equivalent, 5);
}

#[test]
fn eqv_13_withdrawn_root_items_fall_back_to_required() {
    let mut w = eqv_world();
    w.referencings[0].referencing.status = ReferencingStatus::Withdrawn;
    let p = para_plan(&w);
    assert_eq!(p.totals.equivalent, 0);
    assert_eq!(rules_of(&p, "PAR.DMP.01"), vec!["EQV-13", "LIF-03"]);
    assert!(has(&p.diagnostics, "EQV-13", Severity::Warning));
    let s = settings(|r| r.eqv13_fallback_on_withdrawal = false);
    assert_eq!(plan(&w, "para", AT, &s).unwrap().totals.equivalent, 2);
}

// ---------------------------------------------------------------- NAM

#[test]
fn nam_01_names_need_nil_version_uniqueness_and_attestation() {
    let mut w = world();
    cand(&mut w)
        .candidature
        .solution
        .names
        .push(name("MonLPS Pro", "NIL2", ""));
    w.cnda_requests
        .push(cnda("NIL2", "5.1", CndaStatus::PreExamen));
    let ds = diags(&w, AT, "NAM-01");
    assert_eq!(ds.len(), 2, "attestation + technical version: {ds:#?}");
    cand(&mut w).candidature.attestation_honneur = true;
    cand(&mut w).candidature.solution.names[1].technical_version = "5.1".into();
    assert!(sev(&w, AT, "NAM-01").is_empty());
    cand(&mut w).candidature.solution.names[1].name = "monlps".into();
    assert_eq!(
        sev(&w, AT, "NAM-01"),
        vec![Severity::Error],
        "duplicate name"
    );
    cand(&mut w).candidature.solution.names.clear();
    assert!(has(&diags(&w, AT, "NAM-01"), "NAM-01", Severity::Error));
}

// ---------------------------------------------------------------- CNDA

#[test]
fn cnda_01_one_request_per_nil() {
    let mut w = world();
    assert!(sev(&w, AT, "CNDA-01").is_empty());
    w.cnda_requests.clear();
    assert_eq!(sev(&w, AT, "CNDA-01"), vec![Severity::Error]);
}

#[test]
fn cnda_02_new_request_when_version_or_referential_changes() {
    let mut w = world();
    w.cnda_requests[0].software_version = "5.0".into();
    assert_eq!(sev(&w, AT, "CNDA-02"), vec![Severity::Error]);
    let mut w = world();
    w.cnda_requests[0]
        .referential_versions
        .insert("DMP".into(), "2.9".into());
    assert!(diags(&w, AT, "CNDA-02")[0].message_fr.contains("2.10 MCO2"));
    // A newer request supersedes the old one.
    let mut newer = cnda("NIL1", "5.1", CndaStatus::Submitted);
    newer.requested_on = Some(d(2026, 1, 5));
    w.cnda_requests.push(newer);
    assert!(sev(&w, AT, "CNDA-02").is_empty());
    // Outside MDV no referential is required by default.
    let mut w = world();
    w.cnda_requests[0].referential_versions.clear();
    assert_eq!(sev(&w, AT, "CNDA-02").len(), 1);
    let mut hop = Settings::default();
    hop.per_dispositif.clear();
    assert!(diags_with(&w, AT, "CNDA-02", &hop).is_empty());
}

fn hab(
    n: &str,
    editor: &str,
    kind: HabilitationKind,
    components: &[&str],
    issued_on: jiff::civil::Date,
) -> PscHabilitation {
    PscHabilitation {
        nru: nru(n),
        editor: editor.into(),
        kind,
        components: components.iter().map(|c| comp(c, "1.0")).collect(),
        names: vec!["MonLPS".into()],
        nils: vec![crate::solution::Nil::parse("NIL1").unwrap()],
        issued_on,
        pmt_validated_on: Some(issued_on),
        modifications: vec![],
    }
}

fn psc_world(habs: Vec<PscHabilitation>) -> World {
    let mut w = world();
    cand(&mut w).psc_nrus = habs.iter().map(|h| h.nru.clone()).collect();
    cand(&mut w).candidature.solution.proxy = Some(comp("Proxy", "1.0"));
    w.psc_habilitations = habs;
    w.pentest_forms.push(pentest("cand", d(2026, 1, 10)));
    w
}

#[test]
fn cnda_03_test_access_authorisations() {
    let w = psc_world(vec![
        hab(
            "PSC-LPS",
            "ed",
            HabilitationKind::EditeurLps,
            &["MonLPS"],
            d(2025, 6, 1),
        ),
        hab(
            "PSC-PROXY",
            "ed",
            HabilitationKind::EditeurProxy,
            &["Proxy"],
            d(2025, 6, 1),
        ),
    ]);
    assert!(
        diags(&w, AT, "CNDA-03")[0]
            .message_fr
            .contains("1 autorisation")
    );
    let mut w = psc_world(vec![
        hab(
            "PSC-LPS",
            "ed",
            HabilitationKind::EditeurLps,
            &["MonLPS"],
            d(2025, 6, 1),
        ),
        hab(
            "PSC-PROXY",
            "tiers",
            HabilitationKind::EditeurProxy,
            &["Proxy"],
            d(2025, 6, 1),
        ),
    ]);
    assert!(
        diags(&w, AT, "CNDA-03")[0]
            .message_fr
            .contains("2 autorisation")
    );
    w.psc_habilitations[0].pmt_validated_on = None;
    w.cnda_requests[0].status = CndaStatus::InTesting;
    assert!(has(&diags(&w, AT, "CNDA-03"), "CNDA-03", Severity::Warning));
}

#[test]
fn cnda_04_final_homologation_needs_lps_and_proxy_habilitations() {
    let mut w = psc_world(vec![hab(
        "PSC-LPS",
        "ed",
        HabilitationKind::EditeurLps,
        &["MonLPS"],
        d(2025, 6, 1),
    )]);
    assert!(sev(&w, AT, "CNDA-04").is_empty(), "not homologated yet");
    w.cnda_requests[0].status = CndaStatus::Homologated;
    assert_eq!(sev(&w, AT, "CNDA-04"), vec![Severity::Error]);
    w.psc_habilitations.push(hab(
        "PSC-PROXY",
        "tiers",
        HabilitationKind::EditeurProxy,
        &["Proxy"],
        d(2025, 6, 1),
    ));
    cand(&mut w).psc_nrus.push(nru("PSC-PROXY"));
    assert!(sev(&w, AT, "CNDA-04").is_empty());
    let mut w = psc_world(vec![hab(
        "PSC-MONO",
        "ed",
        HabilitationKind::Monobloc,
        &["MonLPS", "Proxy"],
        d(2025, 6, 1),
    )]);
    w.cnda_requests[0].status = CndaStatus::Homologated;
    assert!(sev(&w, AT, "CNDA-04").is_empty(), "monobloc covers both");
}

// ---------------------------------------------------------------- PSC

#[test]
fn psc_01_valid_three_years_expired_on_the_anniversary() {
    let w = psc_world(vec![hab(
        "PSC-MONO",
        "ed",
        HabilitationKind::Monobloc,
        &["MonLPS", "Proxy"],
        d(2023, 3, 1),
    )]);
    assert!(
        sev(&w, d(2026, 2, 28), "PSC-01").is_empty(),
        "last valid day"
    );
    assert_eq!(
        sev(&w, d(2026, 3, 1), "PSC-01"),
        vec![Severity::Error],
        "same calendar date three years later"
    );
    assert_eq!(
        psc::psc_01_expiry(d(2024, 2, 29), 3),
        d(2027, 2, 28),
        "leap day"
    );
    let mut w = world();
    cand(&mut w).psc_nrus = vec![nru("PSC-NOPE")];
    assert_eq!(sev(&w, AT, "PSC-01"), vec![Severity::Error]);
}

#[test]
fn psc_02_separate_habilitations_only_the_modified_component_re_passes() {
    let mut w = psc_world(vec![
        hab(
            "PSC-LPS",
            "ed",
            HabilitationKind::EditeurLps,
            &["MonLPS"],
            d(2025, 6, 1),
        ),
        hab(
            "PSC-PROXY",
            "ed",
            HabilitationKind::EditeurProxy,
            &["Proxy"],
            d(2025, 6, 1),
        ),
    ]);
    w.psc_habilitations[1]
        .modifications
        .push(HabilitationChange {
            on: d(2026, 1, 5),
            component: "Proxy".into(),
            description: "TLS".into(),
        });
    let all = check(&w, AT, &Settings::default());
    assert!(
        has(&all, "PSC-04", Severity::Warning),
        "proxy re-passes alone"
    );
    let info = all.iter().find(|d| d.rule == "PSC-02").unwrap();
    assert!(info.message_fr.contains("LPS"), "{}", info.message_fr);
    assert!(!has(&all, "PSC-05", Severity::Warning));
}

#[test]
fn psc_03_monobloc_modification_both_re_pass() {
    let mut w = psc_world(vec![hab(
        "PSC-MONO",
        "ed",
        HabilitationKind::Monobloc,
        &["MonLPS", "Proxy"],
        d(2025, 6, 1),
    )]);
    assert!(sev(&w, AT, "PSC-03").is_empty());
    w.psc_habilitations[0]
        .modifications
        .push(HabilitationChange {
            on: d(2026, 1, 5),
            component: "MonLPS".into(),
            description: String::new(),
        });
    let ds = diags(&w, AT, "PSC-03");
    assert_eq!(ds.len(), 1);
    assert!(ds[0].message_fr.contains("MonLPS, Proxy"));
    // A modification recorded before issue is history, not a change.
    w.psc_habilitations[0].modifications[0].on = d(2025, 5, 1);
    assert!(sev(&w, AT, "PSC-03").is_empty());
}

#[test]
fn psc_04_proxy_alone_re_passes_alone() {
    let mut w = psc_world(vec![hab(
        "PSC-PROXY",
        "ed",
        HabilitationKind::EditeurProxy,
        &["Proxy"],
        d(2025, 6, 1),
    )]);
    w.psc_habilitations[0]
        .modifications
        .push(HabilitationChange {
            on: d(2026, 2, 1),
            component: "Proxy".into(),
            description: String::new(),
        });
    assert_eq!(sev(&w, AT, "PSC-04"), vec![Severity::Warning]);
    assert!(
        sev(&w, AT, "PSC-02").is_empty(),
        "no separate LPS habilitation"
    );
}

#[test]
fn psc_05_lps_alone_and_a_new_proxy() {
    let mut w = psc_world(vec![hab(
        "PSC-LPS",
        "ed",
        HabilitationKind::EditeurLps,
        &["MonLPS"],
        d(2025, 6, 1),
    )]);
    assert_eq!(
        sev(&w, AT, "PSC-05"),
        vec![Severity::Info],
        "new proxy: only its own proofs"
    );
    w.psc_habilitations[0]
        .modifications
        .push(HabilitationChange {
            on: d(2026, 2, 1),
            component: "MonLPS".into(),
            description: String::new(),
        });
    assert!(has(&diags(&w, AT, "PSC-05"), "PSC-05", Severity::Warning));
}

#[test]
fn psc_06_operator_habilitation_per_name_and_after_modification() {
    let mut h = hab(
        "PSC-OP",
        "ed",
        HabilitationKind::OperateurServiceUtilisateur,
        &["MonLPS"],
        d(2025, 6, 1),
    );
    let mut w = psc_world(vec![h.clone()]);
    assert!(sev(&w, AT, "PSC-06").is_empty());
    h.names.push("Autre".into());
    h.modifications.push(HabilitationChange {
        on: d(2026, 1, 2),
        component: "MonLPS".into(),
        description: "migration".into(),
    });
    w.psc_habilitations = vec![h];
    assert_eq!(
        sev(&w, AT, "PSC-06"),
        vec![Severity::Error, Severity::Error]
    );
}

#[test]
fn psc_07_editor_habilitation_lists_every_name_and_nil() {
    let mut w = psc_world(vec![hab(
        "PSC-LPS",
        "ed",
        HabilitationKind::EditeurLps,
        &["MonLPS"],
        d(2025, 6, 1),
    )]);
    cand(&mut w)
        .candidature
        .solution
        .names
        .push(name("MonLPS Pro", "NIL2", "5.1"));
    cand(&mut w).candidature.attestation_honneur = true;
    assert_eq!(sev(&w, AT, "PSC-07"), vec![Severity::Error]);
    w.psc_habilitations[0].names.push("MonLPS Pro".into());
    w.psc_habilitations[0]
        .nils
        .push(crate::solution::Nil::parse("NIL2").unwrap());
    assert!(sev(&w, AT, "PSC-07").is_empty());
}

// ---------------------------------------------------------------- PEN

#[test]
fn pen_01_pentest_required_under_psc_14_or_ahi() {
    let mut w = world();
    cand(&mut w).candidature.solution.proxy = Some(comp("Proxy", "1.0"));
    let ds = diags(&w, AT, "PEN-01");
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].severity, Severity::Warning, "proofs in progress");
    assert!(ds[0].subject.ends_with("SC.PSC.14"));
    cand(&mut w).candidature.state = CandidatureState::Complete;
    cand(&mut w).candidature.complete_deposit_on = Some(d(2026, 2, 1));
    assert_eq!(sev(&w, AT, "PEN-01"), vec![Severity::Error]);
    w.pentest_forms.push(pentest("cand", d(2026, 1, 10)));
    assert!(sev(&w, AT, "PEN-01").is_empty());
    // SC.PSC.14 exempted by équivalence: the root's pentest was validated.
    w.pentest_forms.clear();
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &[],
    ));
    w.referencings[0].referencing.solution.proxy = Some(comp("Proxy", "1.0"));
    let c = cand(&mut w);
    c.candidature.root_nru = Some(nru("NRU-ROOT"));
    c.candidature.root_declared_on = Some(d(2026, 1, 10));
    assert_eq!(status_of(&plan_of(&w), "SC.PSC.14"), PlanStatus::Equivalent);
    assert!(sev(&w, AT, "PEN-01").is_empty());
    let mut w = ms_world();
    assert!(
        diags(&w, AT, "PEN-01")[0]
            .subject
            .ends_with("SC.SSI/GEN.18")
    );
    cand(&mut w).candidature.profiles = vec![profile("PA")];
    assert!(sev(&w, AT, "PEN-01").is_empty());
}

fn pen_world() -> World {
    let mut w = world();
    cand(&mut w).candidature.solution.proxy = Some(comp("Proxy", "1.0"));
    w.pentest_forms.push(pentest("cand", d(2026, 1, 10)));
    w
}

#[test]
fn pen_02_provider_must_be_passi() {
    let mut w = pen_world();
    assert!(sev(&w, AT, "PEN-02").is_empty());
    w.pentest_forms[0].passi_qualified = false;
    assert_eq!(sev(&w, AT, "PEN-02"), vec![Severity::Error]);
}

#[test]
fn pen_03_scanned_signature_does_not_count() {
    let mut w = pen_world();
    assert!(sev(&w, AT, "PEN-03").is_empty());
    w.pentest_forms[0].signature = SignatureKind::Scanned;
    assert_eq!(sev(&w, AT, "PEN-03"), vec![Severity::Error]);
    w.pentest_forms[0].signature = SignatureKind::None;
    assert_eq!(sev(&w, AT, "PEN-03"), vec![Severity::Error]);
}

#[test]
fn pen_04_less_than_one_year_365_vs_366_days() {
    let mut w = pen_world();
    // Dated 2025-03-01, deposited 2026-03-01: 365 days = exactly one year: too old.
    w.pentest_forms[0].dated_on = d(2025, 3, 1);
    w.pentest_forms[0].deposited_on = Some(d(2026, 3, 1));
    assert_eq!(sev(&w, d(2026, 3, 2), "PEN-04"), vec![Severity::Error]);
    w.pentest_forms[0].deposited_on = Some(d(2026, 2, 28));
    assert!(sev(&w, d(2026, 3, 2), "PEN-04").is_empty(), "364 days");
    // Leap year: dated 2023-03-01, deposited 2024-02-29 is 365 days but less than one year.
    w.pentest_forms[0].dated_on = d(2023, 3, 1);
    w.pentest_forms[0].deposited_on = Some(d(2024, 2, 29));
    assert!(
        sev(&w, d(2024, 3, 5), "PEN-04").is_empty(),
        "365 days in a leap year"
    );
    w.pentest_forms[0].deposited_on = Some(d(2024, 3, 1));
    assert_eq!(
        sev(&w, d(2024, 3, 5), "PEN-04"),
        vec![Severity::Error],
        "366 days"
    );
    assert_eq!(pen::pen_04_limit(d(2024, 2, 29), 12), d(2025, 2, 28));
}

#[test]
fn pen_04_reference_date_setting() {
    let mut w = pen_world();
    w.pentest_forms[0].dated_on = d(2025, 3, 1);
    w.pentest_forms[0].deposited_on = Some(d(2025, 4, 1));
    assert!(
        sev(&w, d(2026, 6, 1), "PEN-04").is_empty(),
        "deposit date counts"
    );
    let s = settings(|r| r.pen04_reference = Pen04Reference::CheckDate);
    assert_eq!(diags_with(&w, d(2026, 6, 1), "PEN-04", &s).len(), 1);
    w.pentest_forms[0].deposited_on = None;
    assert_eq!(
        sev(&w, d(2026, 6, 1), "PEN-04"),
        vec![Severity::Error],
        "not deposited: check date"
    );
}

#[test]
fn pen_05_every_name_and_technical_version() {
    let mut w = pen_world();
    assert!(sev(&w, AT, "PEN-05").is_empty());
    cand(&mut w)
        .candidature
        .solution
        .names
        .push(name("MonLPS Pro", "NIL2", "5.1.2"));
    assert_eq!(
        sev(&w, AT, "PEN-05"),
        vec![Severity::Error, Severity::Error]
    );
    w.pentest_forms[0].names.push("monlps pro".into());
    w.pentest_forms[0].versions.push("5.1.2".into());
    assert!(sev(&w, AT, "PEN-05").is_empty());
}

#[test]
fn pen_06_production_is_a_warning() {
    let mut w = pen_world();
    w.pentest_forms[0].environment = TestEnvironment::Production;
    assert_eq!(sev(&w, AT, "PEN-06"), vec![Severity::Warning]);
}

// ---------------------------------------------------------------- CAL

#[test]
fn cal_01_invalid_or_unordered_dates() {
    let mut w = world();
    w.calendars[0]
        .dates
        .insert(Milestone::D3, "14/10/2026".into());
    w.calendars[1]
        .dates
        .insert(Milestone::D4, "2027-01-01".into());
    let ds = diags(&w, AT, "CAL-01");
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert!(ds.iter().all(|d| d.severity == Severity::Error));
    // The entry with an invalid date is left out of the history.
    assert_eq!(calendar_history(&w, &disp("MDV-LGC-Va2")).versions.len(), 1);
    let mut w = world();
    w.calendars.clear();
    assert_eq!(sev(&w, AT, "CAL-01"), vec![Severity::Info]);
}

#[test]
fn cal_02_amendments_are_listed_and_calendar_history_is_built() {
    let w = world();
    let h = calendar_history(&w, &disp("MDV-LGC-Va2"));
    assert_eq!(h.versions.len(), 2);
    assert_eq!(
        h.in_force(d(2026, 6, 11))
            .unwrap()
            .date(Milestone::D2)
            .unwrap()
            .date(),
        d(2027, 1, 20)
    );
    let ds = diags(&w, AT, "CAL-02");
    assert_eq!(ds.len(), 5, "D2…D6 amended");
    assert!(
        ds.iter()
            .any(|d| d.message_fr.contains("D2 : 2026-07-22 → 2027-01-20"))
    );
}

#[test]
fn cal_02_calendar_in_force_at_event_or_current_setting() {
    let mut w = world();
    // A (fictitious) amendment moving D1 earlier, published after the filing.
    w.calendars[1]
        .dates
        .insert(Milestone::D1, "2025-11-28".into());
    cand(&mut w).candidature.filed_on = Some(d(2025, 12, 15));
    assert!(
        sev(&w, AT, "LIF-04").is_empty(),
        "calendar in force at filing"
    );
    let s = settings(|r| r.cal02_calendar = CalendarChoice::Current);
    assert_eq!(diags_with(&w, AT, "LIF-04", &s).len(), 1);
}

#[test]
fn cal_03_amended_dates_on_working_days() {
    let w = world();
    assert!(
        sev(&w, AT, "CAL-03").is_empty(),
        "the MDV amendment only uses working days"
    );
    let mut w = world();
    w.calendars[1]
        .dates
        .insert(Milestone::D3, "2027-03-29".into()); // Easter Monday
    w.calendars[1]
        .dates
        .insert(Milestone::D5, "2028-01-22".into()); // Saturday
    let ds = diags(&w, AT, "CAL-03");
    assert_eq!(ds.len(), 2);
    assert!(ds.iter().any(|d| d.message_fr.contains("Lundi de Pâques")));
}

// ---------------------------------------------------------------- DEP

#[test]
fn dep_01_checkpoint_counts_general_va2_and_va1() {
    let mut w = world();
    let s = settings(|r| {
        r.dep01_min_general_va2 = 1;
        r.dep01_min_general_va1 = 2;
    });
    // Not evaluated before the checkpoint.
    assert!(diags_with(&w, d(2026, 7, 21), "DEP-01", &s).is_empty());
    let ds = diags_with(&w, d(2026, 7, 22), "DEP-01", &s);
    assert_eq!(ds.len(), 2, "va2 and va1");
    cand(&mut w).deposits = vec![
        deposit("LGC.DMP.01", 1, ProofStatus::Rejected, Some(d(2026, 7, 22))),
        deposit("SC.INS.01", 1, ProofStatus::Deposited, Some(d(2026, 7, 1))),
        deposit("SC.INS.01", 2, ProofStatus::Deposited, Some(d(2026, 7, 23))),
    ];
    let ds = diags_with(&w, d(2026, 8, 1), "DEP-01", &s);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert!(
        ds[0].message_fr.contains("va1") || ds[0].message_fr.contains("Va1"),
        "late va1 deposit not counted"
    );
    let strict = settings(|r| {
        r.dep01_min_general_va2 = 1;
        r.dep01_min_general_va1 = 1;
        r.dep01_counting = Dep01Counting::NotRejected;
    });
    let ds = diags_with(&w, d(2026, 8, 1), "DEP-01", &strict);
    assert_eq!(ds.len(), 1, "rejected va2 deposit no longer counts");
    assert!(ds[0].message_fr.contains("Va2"));
}

#[test]
fn dep_01_heritage_removes_the_va1_threshold_and_default_counts() {
    let mut w = world();
    with_heritage(&mut w, "NRU-VA1-1", "MDV-LGC-Va1", "MonLPS", &[]);
    let ds = diags(&w, d(2026, 7, 23), "DEP-01");
    assert_eq!(ds.len(), 1);
    // Default threshold 25 capped at the 2 Général va2 items of this REM.
    assert!(
        ds[0]
            .message_fr
            .contains("0 preuve(s) Général Va2 déposée(s), 2 attendue(s)"),
        "{}",
        ds[0].message_fr
    );
    let mut other = world();
    other.rem_versions[0].dispositif = disp("HOP-DPI-Va2");
    cand(&mut other).candidature.dispositif = disp("HOP-DPI-Va2");
    assert!(
        diags(&other, d(2026, 7, 23), "DEP-01").is_empty(),
        "no checkpoint outside MDV"
    );
}

#[test]
fn dep_02_risk_classification_and_thresholds() {
    let mut p = plan_of(&world());
    let t = Dep02Thresholds::default();
    assert_eq!(p.totals.deposited_pct(), 0);
    assert_eq!(dep_02_risk(&p, 200, &t), Risk::SansRisque);
    assert_eq!(dep_02_risk(&p, 120, &t), Risk::Modere);
    assert_eq!(dep_02_risk(&p, 60, &t), Risk::Eleve);
    assert_eq!(dep_02_risk(&p, -1, &t), Risk::Eleve);
    p.totals.deposited = p.totals.to_deposit();
    assert_eq!(dep_02_risk(&p, -1, &t), Risk::SansRisque);
    p.totals.deposited = 3; // 60 %
    assert_eq!(dep_02_risk(&p, 30, &t), Risk::Modere);
    let lax = Dep02Thresholds {
        high_within_days: 10,
        high_below_pct: 10,
        moderate_within_days: 20,
        moderate_below_pct: 10,
    };
    assert_eq!(dep_02_risk(&p, 30, &lax), Risk::SansRisque);
    let ds = diags(&world(), d(2026, 12, 1), "DEP-02");
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].severity, Severity::Info);
    assert!(
        ds[0].message_fr.contains("risque élevé"),
        "{}",
        ds[0].message_fr
    );
}

// ---------------------------------------------------------------- engine

#[test]
fn every_diagnostic_cites_a_catalogued_rule_with_its_source() {
    let mut w = eqv_world();
    w.editors[0].charte_accepted_on = None;
    w.cnda_requests.clear();
    let all = check(&w, d(2027, 2, 1), &Settings::default());
    assert!(!all.is_empty());
    for diag in &all {
        let r = rule(&diag.rule).unwrap_or_else(|| panic!("{} not catalogued", diag.rule));
        assert_eq!(diag.source, r.source);
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(sorted, all, "sorted output");
}

#[test]
fn diagnostics_serialise_in_snake_case() {
    let d = Diagnostic::new("EQV-04", Severity::Error, "candidature x", "fr", "en");
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["severity"], "error");
    assert_eq!(v["source"], "seed 003");
    assert_eq!(
        serde_json::to_value(PlanStatus::NotApplicable).unwrap(),
        "not_applicable"
    );
    let back: Diagnostic = serde_json::from_value(v).unwrap();
    assert_eq!(back, d);
}

#[test]
fn cal_03_alsace_moselle_setting() {
    let mut w = world();
    w.calendars[1]
        .dates
        .insert(Milestone::D3, "2027-03-26".into()); // Good Friday
    assert!(
        sev(&w, AT, "CAL-03").is_empty(),
        "a working day in most of France"
    );
    let s = settings(|r| r.cal03_alsace_moselle = true);
    let ds = diags_with(&w, AT, "CAL-03", &s);
    assert_eq!(ds.len(), 1);
    assert!(ds[0].message_fr.contains("Vendredi saint"));
}

#[test]
fn psc_01_and_pen_04_validity_settings() {
    let w = psc_world(vec![hab(
        "PSC-MONO",
        "ed",
        HabilitationKind::Monobloc,
        &["MonLPS", "Proxy"],
        d(2023, 3, 1),
    )]);
    let s = settings(|r| r.psc01_validity_years = 5);
    assert!(diags_with(&w, d(2027, 3, 1), "PSC-01", &s).is_empty());
    assert_eq!(sev(&w, d(2027, 3, 1), "PSC-01"), vec![Severity::Error]);
    let mut w = pen_world();
    w.pentest_forms[0].dated_on = d(2025, 1, 10);
    let s = settings(|r| r.pen04_validity_months = 18);
    assert!(diags_with(&w, d(2026, 3, 1), "PEN-04", &s).is_empty());
    assert_eq!(sev(&w, d(2026, 3, 1), "PEN-04"), vec![Severity::Error]);
}

#[test]
fn every_rule_of_the_checked_families_has_a_named_test() {
    let sources = [include_str!("tests.rs"), include_str!("proptests.rs")].concat();
    for r in all_rules().iter().filter(|r| {
        [
            "LIF", "HER", "EQV", "NAM", "CNDA", "PSC", "PEN", "CAL", "DEP",
        ]
        .contains(&r.family)
    }) {
        let stem = format!("fn {}_", r.id.to_lowercase().replace('-', "_"));
        assert!(sources.contains(&stem), "no test named after {}", r.id);
    }
}
