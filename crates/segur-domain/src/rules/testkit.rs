//! Builders of small worlds for the rules' tests.
//!
//! [`world`] is a MDV va2 world with one editor (`ed`), one candidature (`cand`, solution
//! `MonLPS 5.1` sold as `MonLPS`, NIL `NIL1`), a 6-requirement REM and the two MDV calendars
//! (with a D1 added: 31/12/2025). Tests change what they need.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};

use super::{Diagnostic, Settings, Severity};
use crate::calendar::{Arrete, Milestone};
use crate::candidature::{Candidature, CandidatureState};
use crate::catalogue::{
    Dispositif, DispositifCode, EquivalenceList, EquivalencePair, Nature, Profile, ProofItemKey,
    ProofSpec, RemStatus, RemVersion, Requirement, RequirementId, Scenario, Wave,
};
use crate::org::Nie;
use crate::proof::ProofStatus;
use crate::referencing::{Nru, Referencing, ReferencingStatus};
use crate::solution::{CommercialName, Component, Nil, Solution};
use crate::world::{
    CalendarEntry, CndaRequest, CndaStatus, Deposit, Editor, Eligibility, PentestForm,
    SignatureKind, TestEnvironment, World, WorldCandidature, WorldReferencing,
};

pub fn d(y: i16, m: i8, day: i8) -> Date {
    date(y, m, day)
}

pub fn disp(s: &str) -> DispositifCode {
    DispositifCode::parse(s).unwrap()
}

pub fn nru(s: &str) -> Nru {
    Nru::parse(s).unwrap()
}

pub fn profile(s: &str) -> Profile {
    Profile::parse(s).unwrap()
}

pub fn rid(s: &str) -> RequirementId {
    RequirementId::parse(s).unwrap()
}

pub fn key(req: &str, proof: u16) -> ProofItemKey {
    ProofItemKey {
        requirement: rid(req),
        scenario: 1,
        proof,
    }
}

pub fn comp(name: &str, version: &str) -> Component {
    Component {
        name: name.into(),
        version: version.into(),
    }
}

pub fn name(n: &str, nil: &str, v: &str) -> CommercialName {
    CommercialName {
        name: n.into(),
        nil: Nil::parse(nil).unwrap(),
        technical_version: v.into(),
    }
}

pub fn solution(principal: &str, version: &str) -> Solution {
    Solution {
        principal: comp(principal, version),
        additional: vec![],
        proxy: None,
        names: vec![name(principal, "NIL1", version)],
    }
}

pub fn requirement(id: &str, chapter: &str, prof: &str, wave: Wave, proofs: u16) -> Requirement {
    Requirement {
        id: rid(id),
        chapter: chapter.into(),
        fonction: String::new(),
        enonce: format!("Énoncé {id}"),
        nature: Nature::Exigence,
        profile: profile(prof),
        wave_origin: wave,
        extra: Default::default(),
        scenarios: vec![Scenario {
            number: 1,
            text: "Scénario".into(),
            proofs: (1..=proofs)
                .map(|n| ProofSpec {
                    number: n,
                    text: format!("Preuve {n}"),
                })
                .collect(),
        }],
    }
}

pub fn rem(code: &str, requirements: Vec<Requirement>) -> RemVersion {
    RemVersion {
        dispositif: disp(code),
        version: "1.0".into(),
        status: RemStatus::Published,
        published_on: Some(d(2025, 4, 30)),
        change_log: vec![],
        illustrative: true,
        requirements,
    }
}

/// The requirements of the standard REM: 2 va1 Général (3 items), 2 va2 Général, one va2 of
/// profile "Ordonnance", one va1 of profile "Ordonnance".
pub fn standard_requirements() -> Vec<Requirement> {
    vec![
        requirement("SC.INS.01", "INS", "Général", Wave::Va1, 2),
        requirement("SC.INS.02", "INS", "Général", Wave::Va1, 1),
        requirement("LGC.DMP.01", "DMP", "Général", Wave::Va2, 1),
        requirement("SC.PSC.14", "PSC", "Général", Wave::Va2, 1),
        requirement("LGC.ORD.01", "ORD", "Ordonnance", Wave::Va2, 1),
        requirement("LGC.ORD.02", "ORD", "Ordonnance", Wave::Va1, 1),
    ]
}

pub fn calendar(
    code: &str,
    title: &str,
    published: Date,
    dates: &[(Milestone, &str)],
) -> CalendarEntry {
    CalendarEntry {
        dispositif: disp(code),
        arrete: Arrete {
            title: title.into(),
            signed_on: published,
            published_on: published,
        },
        dates: dates
            .iter()
            .map(|(m, s)| (*m, (*s).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The MDV va2 calendars of CAL-02, with D1 = 31/12/2025 added for the tests.
pub fn mdv_calendars() -> Vec<CalendarEntry> {
    use Milestone::*;
    vec![
        calendar(
            "MDV-LGC-Va2",
            "Arrêté du 30 avril 2025",
            d(2025, 4, 30),
            &[
                (D0, "2025-04-30"),
                (D1, "2025-12-31"),
                (D2, "2026-07-22"),
                (D3, "2026-10-14"),
                (D4, "2026-12-16"),
                (D5, "2027-07-13"),
                (D6, "2027-10-13"),
            ],
        ),
        calendar(
            "MDV-LGC-Va2",
            "Arrêté du 8 juin 2026",
            d(2026, 6, 11),
            &[
                (D0, "2025-04-30"),
                (D1, "2025-12-31"),
                (D2, "2027-01-20"),
                (D3, "2027-04-06"),
                (D4, "2027-07-16"),
                (D5, "2028-01-20"),
                (D6, "2028-04-13"),
            ],
        ),
    ]
}

pub fn referencing(n: &str, code: &str, sol: Solution, profiles: &[&str]) -> WorldReferencing {
    WorldReferencing {
        editor: "ed".into(),
        referencing: Referencing {
            nru: nru(n),
            dispositif: disp(code),
            referenced_on: d(2025, 1, 15),
            status: ReferencingStatus::Active,
            profiles: profiles.iter().map(|p| profile(p)).collect(),
            solution: sol,
            rem_version: Some("1.0".into()),
        },
    }
}

pub fn candidature(id: &str, code: &str, sol: Solution) -> WorldCandidature {
    WorldCandidature {
        id: id.into(),
        editor: "ed".into(),
        candidature: Candidature {
            dispositif: disp(code),
            state: CandidatureState::ProofsInProgress,
            solution: sol,
            profiles: vec![],
            rem_version: "1.0".into(),
            root_nru: None,
            root_declared_on: None,
            heritage_nrus: vec![],
            attestation_honneur: false,
            new_components: vec![],
            impacted_chapters: vec![],
            filed_on: Some(d(2025, 9, 1)),
            complete_deposit_on: None,
            declaration_changed_on: None,
            obtained_nru: None,
        },
        eligibility: Eligibility {
            nie: None,
            cnda_proof: true,
            submitted_on: Some(d(2025, 9, 1)),
        },
        psc_nrus: vec![],
        deposits: vec![],
    }
}

pub fn deposit(req: &str, proof: u16, status: ProofStatus, on: Option<Date>) -> Deposit {
    Deposit {
        key: key(req, proof),
        status,
        deposited_on: on,
    }
}

pub fn cnda(nil: &str, version: &str, status: CndaStatus) -> CndaRequest {
    CndaRequest {
        editor: "ed".into(),
        nil: Nil::parse(nil).unwrap(),
        software_version: version.into(),
        referential_versions: BTreeMap::from([("DMP".to_owned(), "2.10 MCO2".to_owned())]),
        status,
        requested_on: Some(d(2025, 8, 1)),
    }
}

pub fn pentest(candidature: &str, dated_on: Date) -> PentestForm {
    PentestForm {
        candidature: candidature.into(),
        provider: "Auditeurs SAS".into(),
        passi_qualified: true,
        dated_on,
        signature: SignatureKind::Electronic,
        environment: TestEnvironment::IsoProduction,
        names: vec!["MonLPS".into()],
        versions: vec!["5.1".into()],
        deposited_on: None,
    }
}

pub fn equivalence(from: &str, to: &str, pairs: &[(&str, &str)]) -> EquivalenceList {
    EquivalenceList {
        from_dispositif: disp(from),
        to_dispositif: disp(to),
        pairs: pairs
            .iter()
            .map(|(a, b)| EquivalencePair {
                from_requirement: rid(a),
                to_requirement: rid(b),
            })
            .collect(),
    }
}

/// The standard MDV world (see the module documentation).
pub fn world() -> World {
    World {
        dispositifs: vec![Dispositif {
            code: disp("MDV-LGC-Va2"),
            name: "Logiciel de gestion de cabinet".into(),
            profiles: vec![profile("Ordonnance")],
        }],
        calendars: mdv_calendars(),
        rem_versions: vec![rem("MDV-LGC-Va2", standard_requirements())],
        equivalence_lists: vec![],
        editors: vec![Editor {
            id: "ed".into(),
            name: "Éditeur".into(),
            siren: None,
            nie: Some(Nie::parse("NIE-0001").unwrap()),
            charte_accepted_on: Some(d(2025, 1, 1)),
        }],
        referencings: vec![],
        candidatures: vec![candidature(
            "cand",
            "MDV-LGC-Va2",
            solution("MonLPS", "5.1"),
        )],
        pentest_forms: vec![],
        cnda_requests: vec![cnda("NIL1", "5.1", CndaStatus::PreExamen)],
        psc_habilitations: vec![],
        ..World::default()
    }
}

/// The standard world's candidature, mutably.
pub fn cand(w: &mut World) -> &mut WorldCandidature {
    w.candidatures.iter_mut().find(|c| c.id == "cand").unwrap()
}

/// Diagnostics of `rule` in a check of candidature `id` at `at` with default settings.
pub fn diags(w: &World, at: Date, rule: &str) -> Vec<Diagnostic> {
    diags_with(w, at, rule, &Settings::default())
}

pub fn diags_with(w: &World, at: Date, rule: &str, s: &Settings) -> Vec<Diagnostic> {
    super::check(w, at, s)
        .into_iter()
        .filter(|d| d.rule == rule)
        .collect()
}

/// Severities of the diagnostics of `rule`.
pub fn sev(w: &World, at: Date, rule: &str) -> Vec<Severity> {
    diags(w, at, rule).into_iter().map(|d| d.severity).collect()
}

/// Settings with one change applied to every dispositif.
pub fn settings(f: impl Fn(&mut super::RuleSettings)) -> Settings {
    let mut s = Settings::default();
    f(&mut s.defaults);
    for v in s.per_dispositif.values_mut() {
        f(v);
    }
    s
}
