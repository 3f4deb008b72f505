//! Rules engine benchmarks: a plan on a large REM with a large equivalence list and several
//! heritage NRUs (target < 1 ms), and `check` on a world of 1,000 candidatures (target < 1 s).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use segur_domain::calendar::{Arrete, Milestone};
use segur_domain::candidature::{Candidature, CandidatureState};
use segur_domain::catalogue::{
    DispositifCode, EquivalenceList, EquivalencePair, Nature, Profile, ProofItemKey, ProofSpec,
    RemStatus, RemVersion, Requirement, RequirementId, Scenario, Wave,
};
use segur_domain::proof::ProofStatus;
use segur_domain::referencing::{Nru, Referencing, ReferencingStatus};
use segur_domain::rules::{Settings, check, plan};
use segur_domain::solution::{CommercialName, Component, Nil, Solution};
use segur_domain::world::{
    CalendarEntry, Deposit, Editor, Eligibility, World, WorldCandidature, WorldReferencing,
};

const PROFILES: [&str; 4] = ["Général", "PA", "PH", "AHI"];

fn code(s: &str) -> DispositifCode {
    DispositifCode::parse(s).expect("bench dispositif")
}

fn rid(prefix: &str, i: usize) -> RequirementId {
    RequirementId::parse(&format!("{prefix}.X.{:02}.{:02}", i / 100, i % 100))
        .expect("bench requirement")
}

fn solution(version: &str) -> Solution {
    Solution {
        principal: Component {
            name: "MonLPS".into(),
            version: version.into(),
        },
        additional: vec![],
        proxy: None,
        names: vec![CommercialName {
            name: "MonLPS".into(),
            nil: Nil::parse("NIL1").expect("nil"),
            technical_version: version.into(),
        }],
    }
}

/// A REM of `n` requirements with one scenario of `proofs` proofs each.
fn rem(dispositif: &str, prefix: &str, n: usize, proofs: u16) -> RemVersion {
    RemVersion {
        dispositif: code(dispositif),
        version: "1.0".into(),
        status: RemStatus::Published,
        published_on: Some(date(2025, 4, 30)),
        change_log: vec![],
        illustrative: true,
        requirements: (0..n)
            .map(|i| Requirement {
                id: rid(prefix, i),
                chapter: format!("CH{}", i % 12),
                fonction: String::new(),
                enonce: String::new(),
                nature: Nature::Exigence,
                profile: Profile::parse(PROFILES[i % 4]).expect("profile"),
                wave_origin: if i % 3 == 0 { Wave::Va1 } else { Wave::Va2 },
                extra: Default::default(),
                scenarios: vec![Scenario {
                    number: 1,
                    text: String::new(),
                    proofs: (1..=proofs)
                        .map(|p| ProofSpec {
                            number: p,
                            text: format!("Preuve {p}"),
                        })
                        .collect(),
                }],
            })
            .collect(),
    }
}

fn referencing(nru: &str, dispositif: &str, profiles: &[&str]) -> WorldReferencing {
    WorldReferencing {
        editor: "ed".into(),
        referencing: Referencing {
            nru: Nru::parse(nru).expect("nru"),
            dispositif: code(dispositif),
            referenced_on: date(2025, 1, 15),
            status: ReferencingStatus::Active,
            profiles: profiles
                .iter()
                .map(|p| Profile::parse(p).expect("profile"))
                .collect(),
            solution: solution("5.0"),
            rem_version: Some("1.0".into()),
        },
    }
}

fn candidature(id: &str, dispositif: &str) -> WorldCandidature {
    WorldCandidature {
        id: id.into(),
        editor: "ed".into(),
        candidature: Candidature {
            dispositif: code(dispositif),
            state: CandidatureState::ProofsInProgress,
            solution: solution("5.1"),
            profiles: ["PA", "PH", "AHI"]
                .iter()
                .map(|p| Profile::parse(p).expect("profile"))
                .collect(),
            rem_version: "1.0".into(),
            root_nru: None,
            root_declared_on: None,
            heritage_nrus: vec![],
            attestation_honneur: false,
            new_components: vec![],
            impacted_chapters: vec![],
            filed_on: Some(date(2025, 9, 1)),
            complete_deposit_on: None,
            declaration_changed_on: None,
            obtained_nru: None,
        },
        eligibility: Eligibility {
            nie: None,
            cnda_proof: true,
            submitted_on: None,
        },
        psc_nrus: vec![],
        deposits: vec![],
    }
}

fn calendar(dispositif: &str) -> CalendarEntry {
    CalendarEntry {
        dispositif: code(dispositif),
        arrete: Arrete {
            title: "Arrêté".into(),
            signed_on: date(2025, 4, 30),
            published_on: date(2025, 4, 30),
        },
        dates: [
            (Milestone::D1, "2025-12-31"),
            (Milestone::D2, "2027-01-20"),
            (Milestone::D3, "2027-04-06"),
        ]
        .into_iter()
        .map(|(m, s)| (m, s.to_owned()))
        .collect(),
    }
}

/// MS va2 candidature on a 2,000-item REM (1,000 requirements × 2 proofs), rooted on an MDV va2
/// referencing with a 10,000-pair list, with 5 heritage NRUs (MS1/MS2).
fn plan_world() -> World {
    let mut w = World {
        rem_versions: vec![rem("MS-Va2", "MS", 1_000, 2)],
        editors: vec![Editor {
            id: "ed".into(),
            name: "Éditeur".into(),
            siren: None,
            nie: None,
            charte_accepted_on: Some(date(2025, 1, 1)),
        }],
        calendars: vec![calendar("MS-Va2")],
        ..World::default()
    };
    w.equivalence_lists.push(EquivalenceList {
        from_dispositif: code("MDV-LGC-Va2"),
        to_dispositif: code("MS-Va2"),
        pairs: (0..10_000)
            .map(|i| EquivalencePair {
                from_requirement: rid("LGC", i),
                // 1:1 over 10,000 requirement IDs, as a list between two whole dispositifs:
                // the 1,000 of the pinned REM version are among them, in a different order.
                to_requirement: rid("MS", (i * 7_919) % 10_000),
            })
            .collect(),
    });
    w.referencings
        .push(referencing("NRU-ROOT", "MDV-LGC-Va2", &["PA"]));
    let mut c = candidature("bench", "MS-Va2");
    c.candidature.root_nru = Some(Nru::parse("NRU-ROOT").expect("nru"));
    c.candidature.root_declared_on = Some(date(2026, 1, 10));
    c.candidature.impacted_chapters = vec!["CH3".into()];
    for (i, p) in ["PA", "PH", "AHI", "PA", "PH"].iter().enumerate() {
        let n = format!("NRU-MS-{i}");
        let disp = if i % 2 == 0 { "MS1-Va1" } else { "MS2-Va1" };
        w.referencings.push(referencing(&n, disp, &[p]));
        c.candidature
            .heritage_nrus
            .push(Nru::parse(&n).expect("nru"));
    }
    for i in (0..1_000).step_by(3) {
        c.deposits.push(Deposit {
            key: ProofItemKey {
                requirement: rid("MS", i),
                scenario: 1,
                proof: 1,
            },
            status: ProofStatus::Deposited,
            deposited_on: Some(date(2026, 1, 5)),
        });
    }
    w.candidatures.push(c);
    w
}

/// 1,000 MDV candidatures on a 300-item REM, a third rooted on a referenced one, with deposits.
fn check_world() -> World {
    let mut w = World {
        rem_versions: vec![rem("MDV-LGC-Va2", "LGC", 150, 2)],
        editors: vec![Editor {
            id: "ed".into(),
            name: "Éditeur".into(),
            siren: None,
            nie: None,
            charte_accepted_on: Some(date(2025, 1, 1)),
        }],
        calendars: vec![calendar("MDV-LGC-Va2")],
        ..World::default()
    };
    w.referencings
        .push(referencing("NRU-ROOT", "MDV-LGC-Va2", &[]));
    for i in 0..1_000 {
        let mut c = candidature(&format!("cand-{i:04}"), "MDV-LGC-Va2");
        c.editor = format!("ed-{}", i % 50);
        c.candidature.solution.principal.name = format!("LPS-{i}");
        if i % 3 == 0 {
            c.candidature.solution.principal.name = "MonLPS".into();
            c.candidature.root_nru = Some(Nru::parse("NRU-ROOT").expect("nru"));
            c.candidature.root_declared_on = Some(date(2026, 1, 10));
        }
        for r in (0..150).filter(|r| (r + i) % 4 == 0) {
            c.deposits.push(Deposit {
                key: ProofItemKey {
                    requirement: rid("LGC", r),
                    scenario: 1,
                    proof: 1,
                },
                status: if r % 5 == 0 {
                    ProofStatus::ComplementRequested
                } else {
                    ProofStatus::Deposited
                },
                deposited_on: Some(date(2026, 1, 5)),
            });
        }
        w.candidatures.push(c);
    }
    w
}

/// On-CPU time of the current thread (Linux `schedstat`), so that the figures printed below do
/// not depend on how busy the shared machine is; `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Prints the mean on-CPU time of `f` over `n` runs.
fn cpu_time(label: &str, n: u32, mut f: impl FnMut()) {
    let Some(start) = thread_cpu_ns() else {
        return;
    };
    for _ in 0..n {
        f();
    }
    if let Some(end) = thread_cpu_ns() {
        let per = (end - start) as f64 / f64::from(n);
        println!(
            "{label}: on-CPU time {:.3} ms per run ({n} runs)",
            per / 1e6
        );
    }
}

fn benches(c: &mut Criterion) {
    let settings = Settings::default();
    let at = date(2026, 3, 1);
    let w = plan_world();
    let p = plan(&w, "bench", at, &settings).expect("plan");
    assert_eq!(p.items.len(), 2_000);
    assert!(
        p.totals.inherited > 0 && p.totals.equivalent > 0 && p.totals.impacted > 0,
        "{:?}",
        p.totals
    );
    cpu_time("plan_2000_items_10000_pairs_5_heritage", 500, || {
        black_box(plan(black_box(&w), "bench", at, &settings).expect("plan"));
    });
    c.bench_function("plan_2000_items_10000_pairs_5_heritage", |b| {
        b.iter(|| plan(black_box(&w), "bench", at, &settings).expect("plan"))
    });
    let w = check_world();
    cpu_time("check_1000_candidatures", 5, || {
        black_box(check(black_box(&w), at, &settings));
    });
    c.bench_function("check_1000_candidatures", |b| {
        b.iter(|| check(black_box(&w), at, &settings))
    });
}

criterion_group! {
    name = rules;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(rules);
