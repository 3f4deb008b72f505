//! The difference between two REM versions (REM-03) and what it means for a candidature moving
//! from one to the other (REM-01: a candidature is pinned to one version, so moving is an
//! explicit, previewed step).
//!
//! Each requirement, scenario and proof item is classified `unchanged`, `reworded`, `new` or
//! `removed`. Texts are compared after [`normalize_text`]: two texts that differ only by case,
//! by whitespace (runs, line breaks, non-breaking spaces) or by typographic quotes and
//! apostrophes are the same text, so re-typing a workbook does not invalidate proofs.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::catalogue::{ProofItemKey, RemVersion, Requirement, RequirementId};

/// Classification of one element between two versions (REM-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Unchanged,
    Reworded,
    New,
    Removed,
}

impl ChangeKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            ChangeKind::Unchanged => "inchangée",
            ChangeKind::Reworded => "reformulée",
            ChangeKind::New => "nouvelle",
            ChangeKind::Removed => "supprimée",
        }
    }
}

/// Text as compared by the diff: lowercase, whitespace runs (including non-breaking spaces)
/// collapsed to one space and trimmed, typographic apostrophes and quotes folded to ASCII.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{ab}' | '\u{bb}' => '"',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

fn same_text(a: &str, b: &str) -> bool {
    a == b || normalize_text(a) == normalize_text(b)
}

/// Which fields of a requirement changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequirementFieldChanges {
    pub enonce: bool,
    pub chapter: bool,
    pub fonction: bool,
    pub nature: bool,
    pub profile: bool,
}

impl RequirementFieldChanges {
    fn any(&self) -> bool {
        self.enonce || self.chapter || self.fonction || self.nature || self.profile
    }

    /// French names of the changed fields.
    pub fn names_fr(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.enonce {
            v.push("énoncé");
        }
        if self.chapter {
            v.push("chapitre");
        }
        if self.fonction {
            v.push("fonction");
        }
        if self.nature {
            v.push("nature");
        }
        if self.profile {
            v.push("profil");
        }
        v
    }
}

/// One requirement's classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementChange {
    pub id: RequirementId,
    pub kind: ChangeKind,
    pub chapter: String,
    /// Filled for `reworded`: what changed.
    pub fields: RequirementFieldChanges,
    pub old_enonce: Option<String>,
    pub new_enonce: Option<String>,
}

/// One scenario's classification (text of the scenario only; its proofs are items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioChange {
    pub requirement: RequirementId,
    pub scenario: u16,
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
}

/// One proof item's classification. An item is `reworded` when its proof text or its
/// scenario text changed; a reworded requirement énoncé alone does not rework its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofItemChange {
    pub key: ProofItemKey,
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
}

/// Counts per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    pub unchanged: usize,
    pub reworded: usize,
    pub new: usize,
    pub removed: usize,
}

impl ChangeCounts {
    fn add(&mut self, k: ChangeKind) {
        match k {
            ChangeKind::Unchanged => self.unchanged += 1,
            ChangeKind::Reworded => self.reworded += 1,
            ChangeKind::New => self.new += 1,
            ChangeKind::Removed => self.removed += 1,
        }
    }

    /// Elements that are not unchanged.
    pub fn changed(&self) -> usize {
        self.reworded + self.new + self.removed
    }
}

/// The diff of two versions of one REM (REM-03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemDiff {
    pub dispositif: String,
    pub from_version: String,
    pub to_version: String,
    /// Every requirement of both versions: those of `to` in its order, then the removed ones.
    pub requirements: Vec<RequirementChange>,
    pub scenarios: Vec<ScenarioChange>,
    pub proof_items: Vec<ProofItemChange>,
    pub requirement_counts: ChangeCounts,
    pub scenario_counts: ChangeCounts,
    pub proof_item_counts: ChangeCounts,
}

/// Compares two versions of a REM (REM-03). Requirements are matched by identifier, scenarios
/// by (requirement, number), proof items by (requirement, scenario, proof number).
pub fn diff(from: &RemVersion, to: &RemVersion) -> RemDiff {
    let old_reqs: HashMap<&str, &Requirement> = from
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let new_ids: HashMap<&str, ()> = to
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), ()))
        .collect();

    let mut out = RemDiff {
        dispositif: to.dispositif.to_string(),
        from_version: from.version.clone(),
        to_version: to.version.clone(),
        requirements: Vec::with_capacity(to.requirements.len()),
        scenarios: Vec::new(),
        proof_items: Vec::new(),
        requirement_counts: ChangeCounts::default(),
        scenario_counts: ChangeCounts::default(),
        proof_item_counts: ChangeCounts::default(),
    };

    for req in &to.requirements {
        match old_reqs.get(req.id.as_str()) {
            None => {
                out.push_requirement(RequirementChange {
                    id: req.id.clone(),
                    kind: ChangeKind::New,
                    chapter: req.chapter.clone(),
                    fields: RequirementFieldChanges::default(),
                    old_enonce: None,
                    new_enonce: Some(req.enonce.clone()),
                });
                for sc in &req.scenarios {
                    out.push_scenario(&req.id, sc.number, ChangeKind::New, None, Some(&sc.text));
                    for p in &sc.proofs {
                        out.push_item(
                            &req.id,
                            sc.number,
                            p.number,
                            ChangeKind::New,
                            None,
                            Some(&p.text),
                        );
                    }
                }
            }
            Some(old) => out.compare_requirement(old, req),
        }
    }
    for old in &from.requirements {
        if new_ids.contains_key(old.id.as_str()) {
            continue;
        }
        out.push_requirement(RequirementChange {
            id: old.id.clone(),
            kind: ChangeKind::Removed,
            chapter: old.chapter.clone(),
            fields: RequirementFieldChanges::default(),
            old_enonce: Some(old.enonce.clone()),
            new_enonce: None,
        });
        for sc in &old.scenarios {
            out.push_scenario(
                &old.id,
                sc.number,
                ChangeKind::Removed,
                Some(&sc.text),
                None,
            );
            for p in &sc.proofs {
                out.push_item(
                    &old.id,
                    sc.number,
                    p.number,
                    ChangeKind::Removed,
                    Some(&p.text),
                    None,
                );
            }
        }
    }
    out
}

impl RemDiff {
    fn push_requirement(&mut self, c: RequirementChange) {
        self.requirement_counts.add(c.kind);
        self.requirements.push(c);
    }

    fn push_scenario(
        &mut self,
        req: &RequirementId,
        n: u16,
        kind: ChangeKind,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        self.scenario_counts.add(kind);
        self.scenarios.push(ScenarioChange {
            requirement: req.clone(),
            scenario: n,
            kind,
            old_text: old.map(str::to_owned),
            new_text: new.map(str::to_owned),
        });
    }

    fn push_item(
        &mut self,
        req: &RequirementId,
        scenario: u16,
        proof: u16,
        kind: ChangeKind,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        self.proof_item_counts.add(kind);
        self.proof_items.push(ProofItemChange {
            key: ProofItemKey {
                requirement: req.clone(),
                scenario,
                proof,
            },
            kind,
            old_text: old.map(str::to_owned),
            new_text: new.map(str::to_owned),
        });
    }

    fn compare_requirement(&mut self, old: &Requirement, new: &Requirement) {
        let fields = RequirementFieldChanges {
            enonce: !same_text(&old.enonce, &new.enonce),
            chapter: !same_text(&old.chapter, &new.chapter),
            fonction: !same_text(&old.fonction, &new.fonction),
            nature: old.nature != new.nature,
            profile: old.profile != new.profile,
        };
        let old_sc: HashMap<u16, &crate::catalogue::Scenario> =
            old.scenarios.iter().map(|s| (s.number, s)).collect();
        let mut sub_changed = false;
        for sc in &new.scenarios {
            match old_sc.get(&sc.number) {
                None => {
                    sub_changed = true;
                    self.push_scenario(&new.id, sc.number, ChangeKind::New, None, Some(&sc.text));
                    for p in &sc.proofs {
                        self.push_item(
                            &new.id,
                            sc.number,
                            p.number,
                            ChangeKind::New,
                            None,
                            Some(&p.text),
                        );
                    }
                }
                Some(osc) => {
                    let sc_kind = if same_text(&osc.text, &sc.text) {
                        ChangeKind::Unchanged
                    } else {
                        sub_changed = true;
                        ChangeKind::Reworded
                    };
                    self.push_scenario(
                        &new.id,
                        sc.number,
                        sc_kind,
                        Some(&osc.text),
                        Some(&sc.text),
                    );
                    let old_p: HashMap<u16, &str> = osc
                        .proofs
                        .iter()
                        .map(|p| (p.number, p.text.as_str()))
                        .collect();
                    for p in &sc.proofs {
                        let (kind, old_text) = match old_p.get(&p.number) {
                            None => (ChangeKind::New, None),
                            Some(t)
                                if same_text(t, &p.text) && sc_kind == ChangeKind::Unchanged =>
                            {
                                (ChangeKind::Unchanged, Some(*t))
                            }
                            Some(t) => (ChangeKind::Reworded, Some(*t)),
                        };
                        if kind != ChangeKind::Unchanged {
                            sub_changed = true;
                        }
                        self.push_item(&new.id, sc.number, p.number, kind, old_text, Some(&p.text));
                    }
                    for p in &osc.proofs {
                        if !sc.proofs.iter().any(|q| q.number == p.number) {
                            sub_changed = true;
                            self.push_item(
                                &new.id,
                                sc.number,
                                p.number,
                                ChangeKind::Removed,
                                Some(&p.text),
                                None,
                            );
                        }
                    }
                }
            }
        }
        for osc in &old.scenarios {
            if !new.scenarios.iter().any(|s| s.number == osc.number) {
                sub_changed = true;
                self.push_scenario(
                    &new.id,
                    osc.number,
                    ChangeKind::Removed,
                    Some(&osc.text),
                    None,
                );
                for p in &osc.proofs {
                    self.push_item(
                        &new.id,
                        osc.number,
                        p.number,
                        ChangeKind::Removed,
                        Some(&p.text),
                        None,
                    );
                }
            }
        }
        let kind = if fields.any() || sub_changed {
            ChangeKind::Reworded
        } else {
            ChangeKind::Unchanged
        };
        self.push_requirement(RequirementChange {
            id: new.id.clone(),
            kind,
            chapter: new.chapter.clone(),
            fields,
            old_enonce: Some(old.enonce.clone()),
            new_enonce: Some(new.enonce.clone()),
        });
    }

    /// True when the two versions have the same content.
    pub fn is_empty(&self) -> bool {
        self.requirement_counts.changed() == 0
            && self.scenario_counts.changed() == 0
            && self.proof_item_counts.changed() == 0
    }

    /// The readable change log, one French line per changed requirement (like the cover page
    /// of a published REM: "32 modifications"), preceded by a summary line.
    pub fn change_log(&self) -> Vec<String> {
        let n = self.requirement_counts.changed();
        let mut lines = vec![format!(
            "REM {} {} → {} : {} modification{} ({} nouvelle{}, {} reformulée{}, {} supprimée{}) ; \
             éléments de preuve : {} nouveau{}, {} reformulé{}, {} supprimé{} (REM-03)",
            self.dispositif,
            self.from_version,
            self.to_version,
            n,
            plural(n),
            self.requirement_counts.new,
            plural(self.requirement_counts.new),
            self.requirement_counts.reworded,
            plural(self.requirement_counts.reworded),
            self.requirement_counts.removed,
            plural(self.requirement_counts.removed),
            self.proof_item_counts.new,
            if self.proof_item_counts.new > 1 {
                "x"
            } else {
                ""
            },
            self.proof_item_counts.reworded,
            plural(self.proof_item_counts.reworded),
            self.proof_item_counts.removed,
            plural(self.proof_item_counts.removed),
        )];
        let mut items_by_req: BTreeMap<&str, Vec<&ProofItemChange>> = BTreeMap::new();
        for i in &self.proof_items {
            if i.kind != ChangeKind::Unchanged {
                items_by_req
                    .entry(i.key.requirement.as_str())
                    .or_default()
                    .push(i);
            }
        }
        for r in &self.requirements {
            let line = match r.kind {
                ChangeKind::Unchanged => continue,
                ChangeKind::New => format!("{} : exigence ajoutée ({})", r.id, r.chapter),
                ChangeKind::Removed => format!("{} : exigence supprimée", r.id),
                ChangeKind::Reworded => {
                    let mut parts: Vec<String> = r
                        .fields
                        .names_fr()
                        .iter()
                        .map(|f| format!("{f} modifié"))
                        .collect();
                    if let Some(items) = items_by_req.get(r.id.as_str()) {
                        for i in items {
                            parts.push(format!(
                                "S{} P{} {}",
                                i.key.scenario,
                                i.key.proof,
                                match i.kind {
                                    ChangeKind::New => "ajoutée",
                                    ChangeKind::Removed => "supprimée",
                                    _ => "reformulée",
                                }
                            ));
                        }
                    }
                    let changed_scenarios: Vec<String> = self
                        .scenarios
                        .iter()
                        .filter(|s| s.requirement == r.id && s.kind == ChangeKind::Reworded)
                        .map(|s| format!("scénario {} reformulé", s.scenario))
                        .collect();
                    parts.extend(changed_scenarios);
                    format!("{} : {}", r.id, parts.join(", "))
                }
            };
            lines.push(line);
        }
        lines
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// What happens to one deposited proof item when its candidature moves to the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationFate {
    /// Unchanged item: the deposit is kept as is (REM-03).
    Kept,
    /// Reworded item: the deposit must be redone against the new text.
    ToRedo,
    /// Item that no longer exists: the deposit is dropped.
    Dropped,
}

/// The preview of moving a candidature from one REM version to another (REM-03).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationImpact {
    /// Deposits kept (unchanged items).
    pub kept: Vec<ProofItemKey>,
    /// Deposits to redo (reworded items).
    pub to_redo: Vec<ProofItemKey>,
    /// Deposits of removed items, dropped.
    pub dropped: Vec<ProofItemKey>,
    /// New items, to deposit.
    pub new_items: Vec<ProofItemKey>,
}

impl MigrationImpact {
    pub fn fate(&self, key: &ProofItemKey) -> Option<MigrationFate> {
        if self.kept.contains(key) {
            Some(MigrationFate::Kept)
        } else if self.to_redo.contains(key) {
            Some(MigrationFate::ToRedo)
        } else if self.dropped.contains(key) {
            Some(MigrationFate::Dropped)
        } else {
            None
        }
    }
}

/// Impact of a move on the given deposited items (REM-03): deposits of unchanged items are kept,
/// of reworded items are to redo, of removed items dropped; every new item is listed.
pub fn migration_impact(diff: &RemDiff, deposited: &[ProofItemKey]) -> MigrationImpact {
    let kinds: HashMap<&ProofItemKey, ChangeKind> =
        diff.proof_items.iter().map(|i| (&i.key, i.kind)).collect();
    let mut impact = MigrationImpact::default();
    for key in deposited {
        match kinds.get(key) {
            Some(ChangeKind::Unchanged) => impact.kept.push(key.clone()),
            Some(ChangeKind::Reworded) | Some(ChangeKind::New) => impact.to_redo.push(key.clone()),
            Some(ChangeKind::Removed) | None => impact.dropped.push(key.clone()),
        }
    }
    impact.new_items = diff
        .proof_items
        .iter()
        .filter(|i| i.kind == ChangeKind::New)
        .map(|i| i.key.clone())
        .collect();
    impact
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{DispositifCode, Nature, Profile, ProofSpec, RemStatus, Scenario, Wave};

    fn req(id: &str, enonce: &str, scenarios: Vec<Scenario>) -> Requirement {
        Requirement {
            id: RequirementId::parse(id).unwrap(),
            chapter: "Chapitre 1".into(),
            fonction: String::new(),
            enonce: enonce.into(),
            nature: Nature::Exigence,
            profile: Profile::general(),
            wave_origin: Wave::Va2,
            scenarios,
            extra: Default::default(),
        }
    }

    fn sc(n: u16, text: &str, proofs: &[(u16, &str)]) -> Scenario {
        Scenario {
            number: n,
            text: text.into(),
            proofs: proofs
                .iter()
                .map(|(n, t)| ProofSpec {
                    number: *n,
                    text: (*t).into(),
                })
                .collect(),
        }
    }

    fn rem(version: &str, requirements: Vec<Requirement>) -> RemVersion {
        RemVersion {
            dispositif: DispositifCode::parse("MDV-LGC-Va2").unwrap(),
            version: version.into(),
            status: RemStatus::Published,
            published_on: None,
            change_log: vec![],
            illustrative: false,
            requirements,
        }
    }

    fn key(id: &str, s: u16, p: u16) -> ProofItemKey {
        ProofItemKey {
            requirement: RequirementId::parse(id).unwrap(),
            scenario: s,
            proof: p,
        }
    }

    fn v1() -> RemVersion {
        rem(
            "1.0",
            vec![
                req(
                    "SC.INS.01",
                    "Le logiciel DOIT gérer l'INS.",
                    vec![sc(1, "Vérifier l'INS", &[(1, "Capture"), (2, "Vidéo")])],
                ),
                req(
                    "SC.INS.02",
                    "Le logiciel DOIT qualifier l'INS.",
                    vec![sc(1, "Qualifier", &[(1, "Capture")])],
                ),
                req(
                    "SC.DMP.01",
                    "Le logiciel DOIT alimenter le DMP.",
                    vec![sc(1, "Alimenter", &[(1, "Trace")])],
                ),
            ],
        )
    }

    fn v2() -> RemVersion {
        rem(
            "1.1",
            vec![
                // Same text up to case, spaces and apostrophe: unchanged.
                req(
                    "SC.INS.01",
                    "  le logiciel DOIT  gérer l\u{2019}INS. ",
                    vec![sc(1, "Vérifier l'INS", &[(1, "Capture"), (2, "Vidéo")])],
                ),
                // Proof 1 reworded, proof 2 new.
                req(
                    "SC.INS.02",
                    "Le logiciel DOIT qualifier l'INS.",
                    vec![sc(
                        1,
                        "Qualifier",
                        &[(1, "Capture d'écran datée"), (2, "Vidéo")],
                    )],
                ),
                req(
                    "SC.PSC.01",
                    "Le logiciel DOIT permettre PSC.",
                    vec![sc(1, "Se connecter", &[(1, "Vidéo")])],
                ),
            ],
        )
    }

    #[test]
    fn rem_03_classifies_requirements_scenarios_and_items() {
        let d = diff(&v1(), &v2());
        let kind = |id: &str| {
            d.requirements
                .iter()
                .find(|r| r.id.as_str() == id)
                .unwrap()
                .kind
        };
        assert_eq!(kind("SC.INS.01"), ChangeKind::Unchanged);
        assert_eq!(kind("SC.INS.02"), ChangeKind::Reworded);
        assert_eq!(kind("SC.PSC.01"), ChangeKind::New);
        assert_eq!(kind("SC.DMP.01"), ChangeKind::Removed);
        let item = |k: ProofItemKey| d.proof_items.iter().find(|i| i.key == k).unwrap().kind;
        assert_eq!(item(key("SC.INS.01", 1, 1)), ChangeKind::Unchanged);
        assert_eq!(item(key("SC.INS.02", 1, 1)), ChangeKind::Reworded);
        assert_eq!(item(key("SC.INS.02", 1, 2)), ChangeKind::New);
        assert_eq!(item(key("SC.PSC.01", 1, 1)), ChangeKind::New);
        assert_eq!(item(key("SC.DMP.01", 1, 1)), ChangeKind::Removed);
        assert_eq!(
            d.requirement_counts,
            ChangeCounts {
                unchanged: 1,
                reworded: 1,
                new: 1,
                removed: 1
            }
        );
        assert_eq!(d.proof_item_counts.unchanged, 2);
        assert_eq!(d.proof_item_counts.new, 2);
        assert_eq!(d.proof_item_counts.removed, 1);
        assert_eq!(d.scenario_counts.unchanged, 2);
    }

    #[test]
    fn rem_03_reworded_scenario_reworks_its_proof_items() {
        let mut b = v1();
        b.requirements[0].scenarios[0].text = "Vérifier l'INS et la qualifier".into();
        let d = diff(&v1(), &b);
        assert_eq!(d.requirements[0].kind, ChangeKind::Reworded);
        assert_eq!(d.scenario_counts.reworded, 1);
        assert_eq!(d.proof_item_counts.reworded, 2);
    }

    #[test]
    fn rem_03_nature_or_profile_change_is_a_rewording() {
        let mut b = v1();
        b.requirements[2].nature = Nature::Preconisation;
        let d = diff(&v1(), &b);
        let r = d
            .requirements
            .iter()
            .find(|r| r.id.as_str() == "SC.DMP.01")
            .unwrap();
        assert_eq!(r.kind, ChangeKind::Reworded);
        assert!(r.fields.nature);
        // The proof items themselves did not change: deposits stay valid.
        assert_eq!(d.proof_item_counts.reworded, 0);
    }

    #[test]
    fn rem_03_identical_versions_have_an_empty_diff() {
        let d = diff(&v1(), &v1());
        assert!(d.is_empty());
        assert_eq!(d.change_log().len(), 1);
        assert!(d.change_log()[0].contains("0 modification "));
    }

    #[test]
    fn rem_03_change_log_names_each_changed_requirement() {
        let log = diff(&v1(), &v2()).change_log();
        assert!(log[0].contains("3 modifications"), "{}", log[0]);
        assert!(
            log.iter()
                .any(|l| l.starts_with("SC.PSC.01 : exigence ajoutée"))
        );
        assert!(log.iter().any(|l| l == "SC.DMP.01 : exigence supprimée"));
        assert!(log.iter().any(|l| l.starts_with("SC.INS.02 :")
            && l.contains("S1 P1 reformulée")
            && l.contains("S1 P2 ajoutée")));
        assert!(!log.iter().any(|l| l.starts_with("SC.INS.01")));
    }

    #[test]
    fn rem_03_migration_keeps_unchanged_and_redoes_reworded() {
        let d = diff(&v1(), &v2());
        let deposited = vec![
            key("SC.INS.01", 1, 1),
            key("SC.INS.02", 1, 1),
            key("SC.DMP.01", 1, 1),
        ];
        let impact = migration_impact(&d, &deposited);
        assert_eq!(impact.kept, vec![key("SC.INS.01", 1, 1)]);
        assert_eq!(impact.to_redo, vec![key("SC.INS.02", 1, 1)]);
        assert_eq!(impact.dropped, vec![key("SC.DMP.01", 1, 1)]);
        assert_eq!(
            impact.new_items,
            vec![key("SC.INS.02", 1, 2), key("SC.PSC.01", 1, 1)]
        );
        assert_eq!(
            impact.fate(&key("SC.INS.01", 1, 1)),
            Some(MigrationFate::Kept)
        );
    }

    #[test]
    fn normalisation_ignores_case_spaces_and_typographic_quotes() {
        assert_eq!(normalize_text(" A\u{a0} b\n\tC "), "a b c");
        assert_eq!(normalize_text("l\u{2019}INS"), normalize_text("l'ins"));
        assert_ne!(normalize_text("gérer"), normalize_text("gerer"));
    }
}
