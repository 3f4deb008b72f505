//! The proof plan: for every proof item of the candidature's pinned REM version, whether the
//! editor must deposit it, and the rule that says so.
//!
//! Decisions, in order:
//! 1. profile not applicable → [`PlanStatus::NotApplicable`] (LIF-03);
//! 2. va1 item covered by an eligible heritage NRU → inherited (HER-01, HER-04 in médico-social);
//! 3. item mapped by the equivalence list (or identical requirement within one dispositif,
//!    EQV-10/12) to a requirement validated in the root referencing → equivalent (EQV-06);
//!    both 2 and 3 → inherited, citing HER-05 and EQV-06 too;
//! 4. an exemption of 2/3 in a chapter impacted by new components → [`PlanStatus::Impacted`]
//!    (EQV-06, EQV-09, LIF-09): it must be deposited;
//! 5. everything else → required.
//!
//! Choices where the seeds are silent:
//! - a profile-specific item (profile ≠ Général) is exempted by équivalence only when the root
//!   referencing was granted for that profile (EQV-06 "profile-specific proofs must be
//!   deposited" read as "profile-specific proofs the root did not prove");
//! - "validated in the root referencing": when the world holds the candidature that obtained the
//!   root NRU (`obtained_nru`), one of its proofs of the source requirement must be `validated`;
//!   otherwise the active referencing is trusted;
//! - a withdrawn root (EQV-13) gives nothing: its would-be equivalent items are required and
//!   cite EQV-13.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::context::{CheckContext, EquivalenceMap, Sources};
use super::fasthash::{HashMap, HashSet};
use super::{Diagnostic, Settings, Severity, eqv, her, subject};
use crate::catalogue::{DispositifCode, Profile, ProofItemKey, RequirementId, Wave};
use crate::proof::ProofStatus;
use crate::referencing::Nru;
use crate::world::{Deposit, World, WorldCandidature};

/// What the editor has to do about one proof item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Must be deposited.
    Required,
    /// Validated in va1 and carried into va2: not redeposited (HER-01/HER-04).
    Inherited,
    /// Validated in the root referencing and mapped by the equivalence list (EQV-06).
    Equivalent,
    /// Would be inherited or equivalent, but its chapter is impacted by new components: must be
    /// deposited (EQV-06, EQV-09, LIF-09).
    Impacted,
    /// Profile not selected (LIF-03).
    NotApplicable,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Required => "required",
            PlanStatus::Inherited => "inherited",
            PlanStatus::Equivalent => "equivalent",
            PlanStatus::Impacted => "impacted",
            PlanStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            PlanStatus::Required => "À déposer",
            PlanStatus::Inherited => "Héritée",
            PlanStatus::Equivalent => "Équivalente",
            PlanStatus::Impacted => "À déposer (chapitre impacté)",
            PlanStatus::NotApplicable => "Non applicable",
        }
    }

    /// The editor must deposit this item.
    pub fn must_deposit(self) -> bool {
        matches!(self, PlanStatus::Required | PlanStatus::Impacted)
    }
}

/// One proof item of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub key: ProofItemKey,
    pub chapter: String,
    pub profile: Profile,
    /// Wave the requirement first appeared in (DEP-01 counts Général va1 and va2 separately).
    pub wave_origin: Wave,
    pub status: PlanStatus,
    /// Rule IDs behind the decision, most specific first.
    pub rules: Vec<String>,
    /// Heritage NRU (inherited) or root NRU (equivalent, impacted, EQV-13 fallback).
    pub source_nru: Option<Nru>,
    /// Requirement of the root referencing the item is equivalent to (EQV-06).
    pub source_requirement: Option<RequirementId>,
    /// Status of the deposit made against this item, if any.
    pub deposit: Option<ProofStatus>,
    pub proof_text: String,
}

/// Counts of a set of plan items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanTotals {
    pub required: usize,
    pub inherited: usize,
    pub equivalent: usize,
    pub impacted: usize,
    pub not_applicable: usize,
    /// Items to deposit (required + impacted) whose deposit counts as deposited.
    pub deposited: usize,
    /// Items to deposit (required + impacted) whose deposit is validated.
    pub validated: usize,
}

impl PlanTotals {
    fn add(&mut self, item: &PlanItem) {
        match item.status {
            PlanStatus::Required => self.required += 1,
            PlanStatus::Inherited => self.inherited += 1,
            PlanStatus::Equivalent => self.equivalent += 1,
            PlanStatus::Impacted => self.impacted += 1,
            PlanStatus::NotApplicable => self.not_applicable += 1,
        }
        if item.status.must_deposit() {
            if item.deposit.is_some_and(ProofStatus::counts_as_deposited) {
                self.deposited += 1;
            }
            if item.deposit == Some(ProofStatus::Validated) {
                self.validated += 1;
            }
        }
    }

    /// Items the editor must deposit.
    pub fn to_deposit(&self) -> usize {
        self.required + self.impacted
    }

    /// Deposited share of the items to deposit, in percent (100 when nothing is to deposit).
    pub fn deposited_pct(&self) -> u32 {
        let n = self.to_deposit();
        if n == 0 {
            return 100;
        }
        u32::try_from(self.deposited * 100 / n).unwrap_or(100)
    }
}

/// The proof plan of one candidature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofPlan {
    pub candidature: String,
    pub dispositif: DispositifCode,
    pub rem_version: String,
    /// Items in REM order.
    pub items: Vec<PlanItem>,
    /// Totals per chapter, in REM chapter order.
    pub by_chapter: Vec<(String, PlanTotals)>,
    /// Totals per profile, Général first, then by name.
    pub by_profile: Vec<(Profile, PlanTotals)>,
    pub totals: PlanTotals,
    /// Plan-level issues (unknown or ineligible heritage/root NRU…), sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl ProofPlan {
    /// Keys of the items that must be deposited.
    pub fn keys_to_deposit(&self) -> impl Iterator<Item = &ProofItemKey> {
        self.items
            .iter()
            .filter(|i| i.status.must_deposit())
            .map(|i| &i.key)
    }

    pub fn item(&self, key: &ProofItemKey) -> Option<&PlanItem> {
        self.items.iter().find(|i| &i.key == key)
    }
}

/// Why no plan can be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("candidature « {0} » inconnue")]
    UnknownCandidature(String),
    #[error(
        "candidature « {candidature} » : version {version} du REM {dispositif} inconnue (REM-01)"
    )]
    UnknownRemVersion {
        candidature: String,
        dispositif: String,
        version: String,
    },
}

impl PlanError {
    /// The error as a diagnostic, for `check`.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            PlanError::UnknownCandidature(id) => Diagnostic::new(
                "LIF-03",
                Severity::Error,
                subject(id),
                self.to_string(),
                format!("unknown candidature \"{id}\""),
            ),
            PlanError::UnknownRemVersion {
                candidature,
                dispositif,
                version,
            } => Diagnostic::new(
                "REM-01",
                Severity::Error,
                subject(candidature),
                self.to_string(),
                format!("unknown REM version {version} of {dispositif}: no proof plan"),
            ),
        }
    }
}

/// The proof plan of a candidature at date `at`.
pub fn plan(
    world: &World,
    candidature_id: &str,
    at: jiff::civil::Date,
    settings: &Settings,
) -> Result<ProofPlan, PlanError> {
    let ctx = CheckContext::new(world, at, settings);
    let c = ctx
        .candidature(candidature_id)
        .ok_or_else(|| PlanError::UnknownCandidature(candidature_id.to_owned()))?;
    plan_in(&ctx, c)
}

/// A heritage NRU that gives héritage to this candidature.
pub(crate) struct HeritageSource<'a> {
    pub nru: &'a Nru,
    /// Général plus the profiles the va1 referencing covered.
    pub profiles: HashSet<&'a Profile>,
    /// `HER-01`, or `HER-04` in the médico-social couloir, or `HER-06` when allowed by setting.
    pub rule: &'static str,
}

/// The root referencing as usable for équivalence.
pub(crate) struct RootSource<'a> {
    pub nru: &'a Nru,
    /// `None`: identity mapping (same dispositif, EQV-10/12).
    pub map: Option<Rc<Option<EquivalenceMap<'a>>>>,
    /// Validated requirements of the root's candidature when known.
    pub validated: Option<Rc<HashSet<&'a RequirementId>>>,
    pub profiles: HashSet<&'a Profile>,
    /// Withdrawn (EQV-13): nothing is exempted, items cite EQV-13.
    pub withdrawn: bool,
}

impl<'a> RootSource<'a> {
    /// The root requirement validated for this candidate requirement, if any (the smallest ID
    /// when several are).
    fn source_for(&self, req: &'a RequirementId) -> Option<&'a RequirementId> {
        let candidates: &[&'a RequirementId] = match &self.map {
            None => std::slice::from_ref(&req),
            Some(m) => match m.as_ref() {
                Some(m) => m.get(req).map(Sources::as_slice).unwrap_or(&[]),
                None => &[],
            },
        };
        // The smallest validated source, so that the answer does not depend on list order.
        candidates
            .iter()
            .copied()
            .filter(|r| self.validated.as_ref().is_none_or(|v| v.contains(*r)))
            .min()
    }
}

/// Picks the most recent deposit per item (ties broken by status), independently of order.
fn deposits_by_key(c: &WorldCandidature) -> HashMap<&ProofItemKey, &Deposit> {
    let mut out: HashMap<&ProofItemKey, &Deposit> =
        super::fasthash::map_with_capacity(c.deposits.len());
    for d in &c.deposits {
        out.entry(&d.key)
            .and_modify(|prev| {
                if (d.deposited_on, d.status) > (prev.deposited_on, prev.status) {
                    *prev = d;
                }
            })
            .or_insert(d);
    }
    out
}

pub(crate) fn plan_in<'a>(
    ctx: &CheckContext<'a>,
    c: &'a WorldCandidature,
) -> Result<ProofPlan, PlanError> {
    let cand = &c.candidature;
    let rem = ctx
        .rem(&cand.dispositif, &cand.rem_version)
        .ok_or_else(|| PlanError::UnknownRemVersion {
            candidature: c.id.clone(),
            dispositif: cand.dispositif.to_string(),
            version: cand.rem_version.clone(),
        })?;
    let mut diagnostics = Vec::new();
    let (heritage, d) = her::heritage_sources(ctx, c);
    diagnostics.extend(d);
    let (root, d) = eqv::root_source(ctx, c, rem);
    diagnostics.extend(d);

    let applicable: HashSet<Profile> = cand.applicable_profiles().into_iter().collect();
    let impacted: HashSet<&str> = cand.impacted_chapters.iter().map(String::as_str).collect();
    let deposits = deposits_by_key(c);

    let mut items = Vec::with_capacity(rem.requirements.len() * 2);
    for req in &rem.requirements {
        let profile_ok = applicable.contains(&req.profile);
        let inherited_by = if profile_ok && req.wave_origin == Wave::Va1 {
            heritage.iter().find(|h| h.profiles.contains(&req.profile))
        } else {
            None
        };
        let equivalent_by = match &root {
            Some(r)
                if profile_ok
                    && (req.profile.is_general() || r.profiles.contains(&req.profile)) =>
            {
                r.source_for(&req.id).map(|src| (r, src))
            }
            _ => None,
        };
        let chapter_impacted = impacted.contains(req.chapter.as_str());

        let mut rules: Vec<&'static str> = Vec::new();
        let mut source_nru = None;
        let mut source_requirement = None;
        let live_equivalence = equivalent_by.filter(|(r, _)| !r.withdrawn);
        let status = if !profile_ok {
            rules.push("LIF-03");
            PlanStatus::NotApplicable
        } else if inherited_by.is_some() || live_equivalence.is_some() {
            if let Some(h) = inherited_by {
                rules.push(h.rule);
                source_nru = Some(h.nru.clone());
            }
            if let Some((r, src)) = live_equivalence {
                rules.push("EQV-06");
                if r.map.is_none() {
                    rules.push("EQV-10");
                }
                if inherited_by.is_some() {
                    rules.push("HER-05");
                } else {
                    source_nru = Some(r.nru.clone());
                    source_requirement = Some(src.clone());
                }
            }
            if chapter_impacted {
                rules.insert(0, "EQV-09");
                rules.push("LIF-09");
                PlanStatus::Impacted
            } else if inherited_by.is_some() {
                PlanStatus::Inherited
            } else {
                PlanStatus::Equivalent
            }
        } else {
            rules.push("LIF-03");
            if let Some((r, _)) = equivalent_by {
                rules.insert(0, "EQV-13");
                source_nru = Some(r.nru.clone());
            }
            PlanStatus::Required
        };
        let rules: Vec<String> = rules.into_iter().map(str::to_owned).collect();
        // One template per requirement, cloned for every proof but the last, which takes it:
        // this halves the allocations of a typical REM (plans are built on every page view).
        let total: usize = req.scenarios.iter().map(|sc| sc.proofs.len()).sum();
        let mut template = Some(PlanItem {
            key: ProofItemKey {
                requirement: req.id.clone(),
                scenario: 0,
                proof: 0,
            },
            chapter: req.chapter.clone(),
            profile: req.profile.clone(),
            wave_origin: req.wave_origin,
            status,
            rules,
            source_nru,
            source_requirement,
            deposit: None,
            proof_text: String::new(),
        });
        let mut seen = 0;
        for sc in &req.scenarios {
            for p in &sc.proofs {
                seen += 1;
                let item = if seen == total {
                    template.take()
                } else {
                    template.clone()
                };
                if let Some(mut item) = item {
                    item.key.scenario = sc.number;
                    item.key.proof = p.number;
                    item.deposit = deposits.get(&item.key).map(|d| d.status);
                    item.proof_text = p.text.clone();
                    items.push(item);
                }
            }
        }
    }

    let mut totals = PlanTotals::default();
    let mut chapters: Vec<(String, PlanTotals)> = Vec::new();
    let mut chapter_pos: HashMap<&str, usize> = HashMap::default();
    let mut profiles: BTreeMap<(bool, &Profile), PlanTotals> = BTreeMap::new();
    for it in &items {
        totals.add(it);
        let pos = *chapter_pos.entry(it.chapter.as_str()).or_insert_with(|| {
            chapters.push((it.chapter.clone(), PlanTotals::default()));
            chapters.len() - 1
        });
        chapters[pos].1.add(it);
        profiles
            .entry((!it.profile.is_general(), &it.profile))
            .or_default()
            .add(it);
    }
    let by_profile = profiles
        .into_iter()
        .map(|((_, p), t)| (p.clone(), t))
        .collect();

    diagnostics.sort();
    diagnostics.dedup();
    Ok(ProofPlan {
        candidature: c.id.clone(),
        dispositif: cand.dispositif.clone(),
        rem_version: rem.version.clone(),
        items,
        by_chapter: chapters,
        by_profile,
        totals,
        diagnostics,
    })
}
