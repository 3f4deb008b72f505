//! Properties of the plan: exemptions only ever remove work, and the result does not depend on
//! the order of the world's lists.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::testkit::*;
use super::*;
use crate::catalogue::{ProofItemKey, Wave};
use crate::proof::ProofStatus;

const AT: jiff::civil::Date = jiff::civil::date(2026, 3, 1);
const PROFILES: [&str; 3] = ["Général", "Ordonnance", "Téléconsultation"];

/// A small deterministic generator (SplitMix64) so that one proptest seed describes a world.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// A PARAMED candidature (`para`) with a random REM, list, profiles, heritage and deposits; its
/// root (`NRU-ROOT`, MDV) is declared only when `with_root`.
fn random_world(seed: u64, with_root: bool) -> World {
    let mut r = Rng(seed);
    let mut w = world();
    let n = 1 + r.below(25);
    let mut reqs = Vec::new();
    let mut mdv_reqs = Vec::new();
    for i in 0..n {
        let prof = PROFILES[r.below(3)];
        let wave = if r.chance(40) { Wave::Va1 } else { Wave::Va2 };
        let chapter = ["INS", "DMP", "ORD", "PSC"][r.below(4)];
        reqs.push(requirement(
            &format!("PAR.X.{i:02}"),
            chapter,
            prof,
            wave,
            1 + r.below(3) as u16,
        ));
        mdv_reqs.push(requirement(
            &format!("LGC.X.{i:02}"),
            chapter,
            prof,
            wave,
            1,
        ));
    }
    w.rem_versions.push(rem("PARAMED-Va2", reqs));
    w.rem_versions[0].requirements.extend(mdv_reqs);
    let pairs: Vec<(String, String)> = (0..n)
        .filter(|_| r.chance(60))
        .map(|i| (format!("LGC.X.{i:02}"), format!("PAR.X.{i:02}")))
        .collect();
    let pairs_ref: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    w.equivalence_lists
        .push(equivalence("MDV-LGC-Va2", "PARAMED-Va2", &pairs_ref));
    w.equivalence_lists.push(equivalence(
        "MDV-LGC-Va2",
        "HOP-DPI-Va2",
        &[("LGC.X.00", "SC.INS.01")],
    ));
    let root_profiles: Vec<&str> = PROFILES[1..]
        .iter()
        .copied()
        .filter(|_| r.chance(50))
        .collect();
    w.referencings.push(referencing(
        "NRU-ROOT",
        "MDV-LGC-Va2",
        solution("MonLPS", "5.0"),
        &root_profiles,
    ));
    w.referencings.push(referencing(
        "NRU-VA1",
        "PARAMED-Va1",
        solution("MonLPS", "4.0"),
        &["Ordonnance"],
    ));
    w.referencings.push(referencing(
        "NRU-OTHER",
        "HOP-DPI-Va1",
        solution("MonLPS", "4.0"),
        &[],
    ));
    let mut c = candidature("para", "PARAMED-Va2", solution("MonLPS", "5.1"));
    c.candidature.profiles = PROFILES[1..]
        .iter()
        .filter(|_| r.chance(60))
        .map(|p| profile(p))
        .collect();
    if r.chance(50) {
        c.candidature.heritage_nrus.push(nru("NRU-VA1"));
    }
    if r.chance(30) {
        c.candidature.heritage_nrus.push(nru("NRU-OTHER"));
    }
    if r.chance(30) {
        c.candidature.impacted_chapters.push("DMP".into());
    }
    if with_root {
        c.candidature.root_nru = Some(nru("NRU-ROOT"));
        c.candidature.root_declared_on = Some(d(2026, 1, 10));
    }
    for i in 0..n {
        if r.chance(40) {
            let st = ProofStatus::ALL[r.below(ProofStatus::ALL.len())];
            c.deposits.push(deposit(
                &format!("PAR.X.{i:02}"),
                1,
                st,
                Some(d(2026, 1, 1 + r.below(28) as i8)),
            ));
        }
    }
    w.candidatures.push(c);
    w
}

fn to_deposit(w: &World) -> BTreeSet<ProofItemKey> {
    plan(w, "para", AT, &Settings::default())
        .unwrap()
        .keys_to_deposit()
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn eqv_06_adding_a_valid_root_never_increases_the_required_set(seed in any::<u64>()) {
        let without = to_deposit(&random_world(seed, false));
        let with = to_deposit(&random_world(seed, true));
        prop_assert!(with.is_subset(&without), "root added work: {:?}", with.difference(&without).collect::<Vec<_>>());
    }

    #[test]
    fn lif_03_deselecting_a_profile_never_increases_the_required_set(seed in any::<u64>(), which in 0usize..2) {
        let w = random_world(seed, seed % 2 == 0);
        let before = to_deposit(&w);
        let mut fewer = w.clone();
        let c = fewer.candidatures.iter_mut().find(|c| c.id == "para").unwrap();
        let p = profile(PROFILES[1 + which]);
        c.candidature.profiles.retain(|x| x != &p);
        let after = to_deposit(&fewer);
        prop_assert!(after.is_subset(&before));
    }

    #[test]
    fn plan_and_check_are_independent_of_list_order(seed in any::<u64>()) {
        let w = random_world(seed, true);
        let mut s = w.clone();
        let mut r = Rng(seed ^ 0xDEAD_BEEF);
        r.shuffle(&mut s.referencings);
        r.shuffle(&mut s.candidatures);
        r.shuffle(&mut s.equivalence_lists);
        r.shuffle(&mut s.calendars);
        r.shuffle(&mut s.cnda_requests);
        for l in &mut s.equivalence_lists {
            r.shuffle(&mut l.pairs);
        }
        for c in &mut s.candidatures {
            r.shuffle(&mut c.deposits);
            r.shuffle(&mut c.candidature.heritage_nrus);
        }
        let settings = Settings::default();
        prop_assert_eq!(plan(&w, "para", AT, &settings).unwrap(), plan(&s, "para", AT, &settings).unwrap());
        prop_assert_eq!(check(&w, AT, &settings), check(&s, AT, &settings));
        // Shuffling requirements changes the REM order, not the decisions.
        for rv in &mut s.rem_versions {
            r.shuffle(&mut rv.requirements);
        }
        let decisions = |w: &World| {
            let p = plan(w, "para", AT, &settings).unwrap();
            let mut v: Vec<_> = p.items.into_iter().map(|i| (i.key, i.status, i.rules, i.source_nru, i.source_requirement, i.deposit)).collect();
            v.sort();
            (v, p.totals)
        };
        prop_assert_eq!(decisions(&w), decisions(&s));
    }
}
