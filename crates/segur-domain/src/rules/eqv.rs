//! EQV — équivalence des preuves between va2 referencings.
//!
//! The gate rules (EQV-01, -03, -04/-12, -05, -13) decide whether the root NRU exempts anything;
//! they run while the plan is built ([`root_source`]) and their diagnostics are plan-level.
//! The declaration rules (EQV-02, -07…-11) run in [`check`].

use std::collections::BTreeMap;
use std::rc::Rc;

use super::context::CheckContext;
use super::fasthash::HashSet;
use super::plan::{PlanStatus, ProofPlan, RootSource};
use super::settings::VersionComparison;
use super::{Diagnostic, Severity, subject};
use crate::calendar::Milestone;
use crate::candidature::CandidatureState;
use crate::catalogue::{Profile, RemVersion, Wave};
use crate::solution::{Component, Solution};
use crate::version::Version;
use crate::world::{WorldCandidature, WorldReferencing};

/// The root referencing usable for équivalence, or why not (plan-level diagnostics).
pub(crate) fn root_source<'a>(
    ctx: &CheckContext<'a>,
    c: &'a WorldCandidature,
    rem: &'a RemVersion,
) -> (Option<RootSource<'a>>, Vec<Diagnostic>) {
    let Some(nru) = &c.candidature.root_nru else {
        return (None, vec![]);
    };
    let mut diags = eqv_03_root_is_referenced(ctx, c);
    let Some(r) = ctx.referencing(nru).filter(|_| diags.is_empty()) else {
        return (None, diags);
    };
    diags.extend(eqv_01_same_principal(c, r));
    diags.extend(eqv_05_upward_compatible(ctx, c, r));
    diags.extend(eqv_04_root_declared_before_d2(ctx, c, r));
    let withdrawn_diags = eqv_13_root_withdrawn(c, r);
    let withdrawn = !withdrawn_diags.is_empty();
    diags.extend(withdrawn_diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let cand_disp = &c.candidature.dispositif;
    let root_disp = &r.referencing.dispositif;
    let map = if root_disp == cand_disp {
        None
    } else {
        let m = ctx.equivalence(root_disp, rem);
        if m.is_none() {
            diags.push(Diagnostic::new(
                "EQV-06",
                Severity::Warning,
                subject(&c.id),
                format!("aucune liste d'équivalence publiée entre {root_disp} et {cand_disp} : aucune preuve exemptée par le NRU racine {nru}"),
                format!("no published equivalence list between {root_disp} and {cand_disp}: root NRU {nru} exempts no proof"),
            ));
        }
        Some(m)
    };
    let validated = ctx
        .candidature_with_nru(nru)
        .map(|rc| ctx.validated_requirements(rc));
    let mut profiles: HashSet<&'a Profile> = r.referencing.profiles.iter().collect();
    profiles.retain(|p| !p.is_general());
    let fallback = withdrawn && ctx.rules(cand_disp).eqv13_fallback_on_withdrawal;
    (
        Some(RootSource {
            nru,
            map,
            validated: validated.map(|v: Rc<_>| v),
            profiles,
            withdrawn: fallback,
        }),
        diags,
    )
}

/// EQV-03: the root NRU belongs to an already referenced (va2) solution.
pub fn eqv_03_root_is_referenced(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let Some(nru) = &c.candidature.root_nru else {
        return vec![];
    };
    match ctx.referencing(nru) {
        None => vec![Diagnostic::new(
            "EQV-03",
            Severity::Error,
            subject(&c.id),
            format!("NRU racine {nru} inconnu : il doit appartenir à une solution déjà référencée"),
            format!("root NRU {nru} is unknown: it must belong to an already referenced solution"),
        )],
        Some(r) if r.referencing.dispositif.wave() == Wave::Va1 => vec![Diagnostic::new(
            "EQV-03",
            Severity::Error,
            subject(&c.id),
            format!(
                "NRU racine {nru} : référencement vague 1 ({}) ; l'équivalence s'appuie sur un référencement vague 2, la vague 1 relève de l'héritage",
                r.referencing.dispositif
            ),
            format!(
                "root NRU {nru}: va1 referencing ({}); équivalence needs a va2 referencing, va1 is héritage",
                r.referencing.dispositif
            ),
        )],
        Some(_) => vec![],
    }
}

/// EQV-01: identical principal component (by name; versions are EQV-05's business).
pub fn eqv_01_same_principal(c: &WorldCandidature, root: &WorldReferencing) -> Vec<Diagnostic> {
    let a = &c.candidature.solution.principal.name;
    let b = &root.referencing.solution.principal.name;
    if a == b {
        return vec![];
    }
    vec![Diagnostic::new(
        "EQV-01",
        Severity::Error,
        subject(&c.id),
        format!(
            "composant principal « {a} » différent de celui de la solution racine « {b} » : pas d'équivalence (pas d'équivalence par module)"
        ),
        format!(
            "principal component \"{a}\" differs from the root solution's \"{b}\": no équivalence (none by module)"
        ),
    )]
}

/// The component of `s` with this name and role, if any.
fn counterpart<'s>(s: &'s Solution, role: Role, name: &str) -> Option<&'s Component> {
    match role {
        Role::Principal => Some(&s.principal).filter(|p| p.name == name),
        Role::Additional => s.additional.iter().find(|x| x.name == name),
        Role::Proxy => s.proxy.as_ref().filter(|p| p.name == name),
    }
}

#[derive(Clone, Copy)]
enum Role {
    Principal,
    Additional,
    Proxy,
}

/// EQV-05: for every component present in both, root version ≤ candidate version.
pub fn eqv_05_upward_compatible(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    root: &WorldReferencing,
) -> Vec<Diagnostic> {
    let mode = ctx.rules(&c.candidature.dispositif).eqv05_comparison;
    let cand = &c.candidature.solution;
    let rs = &root.referencing.solution;
    let mut out = Vec::new();
    let pairs = std::iter::once((Role::Principal, &cand.principal))
        .chain(cand.additional.iter().map(|x| (Role::Additional, x)))
        .chain(cand.proxy.iter().map(|x| (Role::Proxy, x)));
    for (role, comp) in pairs {
        let Some(rc) = counterpart(rs, role, &comp.name) else {
            continue;
        };
        let (cv, rv) = match (Version::parse(&comp.version), Version::parse(&rc.version)) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                for (e, which) in [(a.err(), "candidate"), (b.err(), "root")] {
                    if let Some(e) = e {
                        let (v, qui) = if which == "candidate" {
                            (&comp.version, "candidate")
                        } else {
                            (&rc.version, "racine")
                        };
                        out.push(Diagnostic::new(
                            "EQV-05",
                            Severity::Error,
                            subject(&c.id),
                            format!("composant « {} » : version {qui} « {v} » non ordonnable, compatibilité ascendante invérifiable ({e})", comp.name),
                            format!("component \"{}\": {which} version \"{v}\" cannot be ordered; upward compatibility cannot be checked", comp.name),
                        ));
                    }
                }
                continue;
            }
        };
        let ord = match mode {
            VersionComparison::Dotted => rv.cmp(&cv),
            VersionComparison::CoreOnly => rv.cmp_core(&cv),
        };
        if ord == std::cmp::Ordering::Greater {
            out.push(Diagnostic::new(
                "EQV-05",
                Severity::Error,
                subject(&c.id),
                format!("composant « {} » : version candidate {cv} antérieure à la version racine {rv} (compatibilité ascendante)", comp.name),
                format!("component \"{}\": candidate version {cv} is older than root version {rv} (upward compatibility)", comp.name),
            ));
        }
    }
    out
}

/// EQV-04 (and EQV-12 within one dispositif): the root NRU is declared strictly before D2 of the
/// candidate's dispositif, in the calendar in force at the declaration date (CAL-02).
pub fn eqv_04_root_declared_before_d2(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    root: &WorldReferencing,
) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let rule = if root.referencing.dispositif == cand.dispositif {
        "EQV-12"
    } else {
        "EQV-04"
    };
    let Some(on) = cand.root_declared_on else {
        return vec![Diagnostic::new(
            rule,
            Severity::Warning,
            subject(&c.id),
            "date de déclaration du NRU racine inconnue : impossible de vérifier qu'elle précède D2",
            "root NRU declaration date unknown: cannot check it precedes D2",
        )];
    };
    let Some(d2) = ctx.milestone(&cand.dispositif, Milestone::D2, on) else {
        return vec![Diagnostic::new(
            rule,
            Severity::Info,
            subject(&c.id),
            format!(
                "D2 de {} inconnue : déclaration du NRU racine du {on} non vérifiée",
                cand.dispositif
            ),
            format!(
                "D2 of {} unknown: root NRU declaration of {on} not checked",
                cand.dispositif
            ),
        )];
    };
    if on < d2 {
        return vec![];
    }
    vec![Diagnostic::new(
        rule,
        Severity::Error,
        subject(&c.id),
        format!("NRU racine déclaré le {on}, pas strictement avant D2 ({d2}) : aucune équivalence"),
        format!("root NRU declared on {on}, not strictly before D2 ({d2}): no équivalence"),
    )]
}

/// EQV-13: a withdrawn root referencing exempts nothing any more.
pub fn eqv_13_root_withdrawn(c: &WorldCandidature, root: &WorldReferencing) -> Vec<Diagnostic> {
    if root.referencing.is_active() {
        return vec![];
    }
    vec![Diagnostic::new(
        "EQV-13",
        Severity::Warning,
        subject(&c.id),
        format!(
            "référencement racine {} retiré : les preuves équivalentes qui en dépendent redeviennent à déposer",
            root.referencing.nru
        ),
        format!(
            "root referencing {} withdrawn: equivalent proofs depending on it return to \"to deposit\"",
            root.referencing.nru
        ),
    )]
}

/// EQV-02: zero or one root NRU; an NRU is either heritage or root, and a declaration date
/// without an NRU is inconsistent.
pub fn eqv_02_single_root(c: &WorldCandidature) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let mut out = Vec::new();
    if let Some(nru) = &cand.root_nru
        && cand.heritage_nrus.contains(nru)
    {
        out.push(Diagnostic::new(
            "EQV-02",
            Severity::Error,
            subject(&c.id),
            format!("NRU {nru} déclaré à la fois comme NRU racine et comme NRU d'héritage"),
            format!("NRU {nru} declared both as root and as heritage NRU"),
        ));
    }
    if let (Some(nru), Some(own)) = (&cand.root_nru, &cand.obtained_nru)
        && nru == own
    {
        out.push(Diagnostic::new(
            "EQV-02",
            Severity::Error,
            subject(&c.id),
            format!("NRU racine {nru} : c'est le NRU obtenu par cette candidature"),
            format!("root NRU {nru} is the NRU this candidature obtained"),
        ));
    }
    if cand.root_nru.is_none() && cand.root_declared_on.is_some() {
        out.push(Diagnostic::new(
            "EQV-02",
            Severity::Warning,
            subject(&c.id),
            "date de déclaration d'un NRU racine sans NRU racine",
            "root NRU declaration date without a root NRU",
        ));
    }
    out
}

fn names(s: &Solution) -> Vec<&str> {
    let mut v: Vec<&str> = s.names.iter().map(|n| n.name.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Components of `cand` that the root solution does not have (by name and role).
fn new_components<'s>(cand: &'s Solution, root: &Solution) -> Vec<&'s Component> {
    let mut out: Vec<&Component> = cand
        .additional
        .iter()
        .filter(|a| counterpart(root, Role::Additional, &a.name).is_none())
        .collect();
    if let Some(p) = &cand.proxy
        && counterpart(root, Role::Proxy, &p.name).is_none()
    {
        out.push(p);
    }
    out
}

/// EQV-07…EQV-10: the case the root declaration falls in, and what it requires.
pub fn eqv_07_10_cases(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let Some(root) = cand.root_nru.as_ref().and_then(|n| ctx.referencing(n)) else {
        return vec![];
    };
    let rs = &root.referencing.solution;
    if rs.principal.name != cand.solution.principal.name {
        return vec![]; // EQV-01 already refused.
    }
    let subj = subject(&c.id);
    let same_disp = root.referencing.dispositif == cand.dispositif;
    let same_conf = cand.solution.same_configuration(rs);
    let same_names = names(&cand.solution) == names(rs);
    let mut out = Vec::new();
    if !same_conf {
        let rule = if same_disp { "EQV-10" } else { "EQV-09" };
        let case = if same_disp { "2B" } else { "3A" };
        let added = new_components(&cand.solution, rs);
        let declared: HashSet<&str> = cand
            .new_components
            .iter()
            .map(|x| x.name.as_str())
            .collect();
        for comp in added.iter().filter(|x| !declared.contains(x.name.as_str())) {
            out.push(Diagnostic::new(
                rule,
                Severity::Error,
                subj.clone(),
                format!("cas {case} : composant « {} » absent de la solution racine mais non déclaré comme nouveau composant", comp.name),
                format!("case {case}: component \"{}\" is not in the root solution but not declared as a new component", comp.name),
            ));
        }
        if cand.impacted_chapters.is_empty() {
            out.push(Diagnostic::new(
                rule,
                Severity::Error,
                subj.clone(),
                format!("cas {case} : configuration différente de la solution racine sans chapitre impacté déclaré"),
                format!("case {case}: configuration differs from the root solution but no impacted chapter is declared"),
            ));
        }
        if !cand.attestation_honneur {
            out.push(Diagnostic::new(
                rule,
                Severity::Error,
                subj.clone(),
                format!("cas {case} : attestation sur l'honneur signée manquante"),
                format!("case {case}: signed attestation sur l'honneur missing"),
            ));
        }
        return out;
    }
    if !same_names {
        if !cand.attestation_honneur {
            out.push(Diagnostic::new(
                "EQV-08",
                Severity::Error,
                subj,
                "cas 2A : solution identique sous d'autres noms commerciaux, attestation sur l'honneur signée manquante",
                "case 2A: identical solution under other commercial names, signed attestation sur l'honneur missing",
            ));
        }
        return out;
    }
    let (rule, case) = if same_disp {
        ("EQV-10", "1B")
    } else {
        ("EQV-07", "1A")
    };
    out.push(Diagnostic::new(
        rule,
        Severity::Info,
        subj,
        format!(
            "cas {case} : solution et nom commercial identiques à la solution racine {}",
            root.referencing.nru
        ),
        format!(
            "case {case}: same solution and commercial name as root {}",
            root.referencing.nru
        ),
    ));
    out
}

/// EQV-11 (world-level): candidatures of one solution (same editor, principal component) on one
/// dispositif must differ in their profile sets and their versions [default: both].
pub fn eqv_11_distinct_candidatures(ctx: &CheckContext<'_>) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&WorldCandidature>> = BTreeMap::new();
    for c in &ctx.world.candidatures {
        if matches!(
            c.candidature.state,
            CandidatureState::Abandoned | CandidatureState::Refused
        ) {
            continue;
        }
        groups
            .entry((
                c.editor.as_str(),
                c.candidature.dispositif.as_str(),
                c.candidature.solution.principal.name.as_str(),
            ))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    for ((_, disp, _), mut cs) in groups {
        if cs.len() < 2 {
            continue;
        }
        cs.sort_by(|a, b| a.id.cmp(&b.id));
        let both = cs
            .first()
            .map(|c| {
                ctx.rules(&c.candidature.dispositif)
                    .eqv11_require_both_differ
            })
            .unwrap_or(true);
        // Profiles and versions once per candidature; conflicts per candidature, so that a
        // file with many identical candidatures yields one diagnostic each, not one per pair.
        let keys: Vec<_> = cs
            .iter()
            .map(|c| {
                let profiles: std::collections::BTreeSet<_> =
                    c.candidature.applicable_profiles().into_iter().collect();
                let version = Version::parse(&c.candidature.solution.principal.version).ok();
                (profiles, version)
            })
            .collect();
        let mut conflicts: Vec<Vec<usize>> = vec![Vec::new(); cs.len()];
        for i in 0..cs.len() {
            for j in i + 1..cs.len() {
                let profiles_differ = keys[i].0 != keys[j].0;
                let versions_differ = match (&keys[i].1, &keys[j].1) {
                    (Some(x), Some(y)) => x != y,
                    _ => {
                        cs[i].candidature.solution.principal.version
                            != cs[j].candidature.solution.principal.version
                    }
                };
                let ok = if both {
                    profiles_differ && versions_differ
                } else {
                    profiles_differ || versions_differ
                };
                if !ok {
                    conflicts[i].push(j);
                    conflicts[j].push(i);
                }
            }
        }
        let (fr, en) = if both {
            (
                "leurs profils et leurs versions doivent tous deux différer",
                "both their profiles and versions must differ",
            )
        } else {
            (
                "leurs profils ou leurs versions doivent différer",
                "their profiles or versions must differ",
            )
        };
        for (i, others) in conflicts.iter().enumerate() {
            if others.is_empty() {
                continue;
            }
            let shown: Vec<&str> = others.iter().take(5).map(|j| cs[*j].id.as_str()).collect();
            let more = others.len().saturating_sub(shown.len());
            let (more_fr, more_en) = if more > 0 {
                (
                    format!(" et {more} autre(s)"),
                    format!(" and {more} other(s)"),
                )
            } else {
                (String::new(), String::new())
            };
            let c = cs[i];
            out.push(Diagnostic::new(
                "EQV-11",
                Severity::Error,
                format!("candidature {}", c.id),
                format!(
                    "même solution « {} » sur {disp} que {}{more_fr} (version {}) : {fr}",
                    c.candidature.solution.principal.name,
                    shown.join(", "),
                    c.candidature.solution.principal.version
                ),
                format!(
                    "same solution \"{}\" on {disp} as {}{more_en}: {en}",
                    c.candidature.solution.principal.name,
                    shown.join(", ")
                ),
            ));
        }
    }
    out
}

/// EQV-06: a deposit made on an item the plan exempts is superfluous (info), so the editor knows
/// it will not be instructed.
pub fn eqv_06_exempted_deposits(c: &WorldCandidature, plan: &ProofPlan) -> Vec<Diagnostic> {
    let n = plan
        .items
        .iter()
        .filter(|i| {
            i.status == PlanStatus::Equivalent && i.deposit.is_some_and(|d| d.counts_as_deposited())
        })
        .count();
    if n == 0 {
        return vec![];
    }
    vec![Diagnostic::new(
        "EQV-06",
        Severity::Info,
        subject(&c.id),
        format!("{n} preuve(s) déposée(s) sur des lignes exemptées par équivalence"),
        format!("{n} proof(s) deposited on items exempted by équivalence"),
    )]
}

pub(crate) fn check(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let mut out = eqv_02_single_root(c);
    out.extend(eqv_07_10_cases(ctx, c));
    if let Some(p) = plan {
        out.extend(eqv_06_exempted_deposits(c, p));
    }
    out
}

/// World-level EQV checks.
pub(crate) fn check_world(ctx: &CheckContext<'_>) -> Vec<Diagnostic> {
    eqv_11_distinct_candidatures(ctx)
}
