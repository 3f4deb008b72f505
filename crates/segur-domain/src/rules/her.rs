//! HER — héritage (vague 1 → vague 2).

use super::context::CheckContext;
use super::fasthash::HashSet;
use super::plan::HeritageSource;
use super::{Diagnostic, Severity, subject};
use crate::catalogue::{DispositifCode, Wave};
use crate::referencing::Nru;
use crate::world::{WorldCandidature, WorldReferencing};

/// The heritage NRUs that give héritage to `c`, sorted by NRU, with the plan-level diagnostics
/// explaining each NRU that gives nothing (HER-01, HER-02, HER-06).
pub(crate) fn heritage_sources<'a>(
    ctx: &CheckContext<'a>,
    c: &'a WorldCandidature,
) -> (Vec<HeritageSource<'a>>, Vec<Diagnostic>) {
    let mut nrus: Vec<&'a Nru> = c.candidature.heritage_nrus.iter().collect();
    nrus.sort();
    nrus.dedup();
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for nru in nrus {
        let Some(r) = ctx.referencing(nru) else {
            diags.push(Diagnostic::new(
                "HER-02",
                Severity::Error,
                subject(&c.id),
                format!(
                    "NRU d'héritage {nru} inconnu : aucun référencement vague 1 ne porte ce numéro"
                ),
                format!("heritage NRU {nru} is unknown: no va1 referencing has this number"),
            ));
            continue;
        };
        match heritage_rule(ctx, c, r) {
            Ok(rule) => {
                let mut profiles: HashSet<&'a crate::catalogue::Profile> =
                    r.referencing.profiles.iter().collect();
                profiles.insert(general());
                out.push(HeritageSource {
                    nru,
                    profiles,
                    rule,
                });
            }
            Err(d) => diags.push(*d),
        }
    }
    (out, diags)
}

/// `Général` as a `'static` reference, so that heritage sources can borrow it.
fn general() -> &'static crate::catalogue::Profile {
    static G: std::sync::OnceLock<crate::catalogue::Profile> = std::sync::OnceLock::new();
    G.get_or_init(crate::catalogue::Profile::general)
}

/// Whether a va1 referencing gives héritage to `c`, and under which rule.
fn heritage_rule(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    r: &WorldReferencing,
) -> Result<&'static str, Box<Diagnostic>> {
    let cand = &c.candidature;
    let nru = &r.referencing.nru;
    let subj = subject(&c.id);
    if r.referencing.dispositif.wave() != Wave::Va1 {
        return Err(Box::new(Diagnostic::new(
            "HER-01",
            Severity::Error,
            subj,
            format!(
                "NRU d'héritage {nru} : référencement {} qui n'est pas de vague 1 ; pour un référencement vague 2, déclarer un NRU racine (équivalence)",
                r.referencing.dispositif
            ),
            format!(
                "heritage NRU {nru}: {} is not a va1 referencing; for a va2 referencing declare a root NRU (équivalence)",
                r.referencing.dispositif
            ),
        )));
    }
    if !r.referencing.is_active() {
        return Err(Box::new(Diagnostic::new(
            "HER-01",
            Severity::Warning,
            subj,
            format!("NRU d'héritage {nru} : référencement retiré, aucune preuve héritée"),
            format!("heritage NRU {nru}: referencing withdrawn, no proof inherited"),
        )));
    }
    let rule = if ms_heritage(&cand.dispositif, &r.referencing.dispositif) {
        "HER-04"
    } else if r.referencing.dispositif.family() == cand.dispositif.family() {
        "HER-01"
    } else if ctx.rules(&cand.dispositif).her06_cross_dispositif {
        "HER-06"
    } else {
        return Err(Box::new(her_06_diagnostic(c, r)));
    };
    if r.referencing.solution.principal.name != cand.solution.principal.name {
        return Err(Box::new(Diagnostic::new(
            "HER-01",
            Severity::Error,
            subj,
            format!(
                "NRU d'héritage {nru} : composant principal « {} » différent de « {} » ; l'héritage ne vaut que pour la même solution",
                r.referencing.solution.principal.name, cand.solution.principal.name
            ),
            format!(
                "heritage NRU {nru}: principal component \"{}\" differs from \"{}\"; heritage is for the same solution only",
                r.referencing.solution.principal.name, cand.solution.principal.name
            ),
        )));
    }
    Ok(rule)
}

/// HER-04: both dispositifs in the médico-social couloir.
fn ms_heritage(candidate: &DispositifCode, va1: &DispositifCode) -> bool {
    candidate.couloir().is_medico_social() && va1.couloir().is_medico_social()
}

/// HER-06: a va1 referencing on another dispositif gives no reuse.
pub fn her_06_diagnostic(c: &WorldCandidature, r: &WorldReferencing) -> Diagnostic {
    Diagnostic::new(
        "HER-06",
        Severity::Warning,
        subject(&c.id),
        format!(
            "NRU d'héritage {} : référencement vague 1 sur {}, autre dispositif que {} ; aucune preuve héritée",
            r.referencing.nru, r.referencing.dispositif, c.candidature.dispositif
        ),
        format!(
            "heritage NRU {}: va1 referencing on {}, another dispositif than {}; no proof inherited",
            r.referencing.nru, r.referencing.dispositif, c.candidature.dispositif
        ),
    )
}

/// HER-02: heritage NRUs are declared at candidature time: a candidature that declares one must
/// have been filed (its `filed_on` date is when the declaration was made).
pub fn her_02_declared_at_candidature(c: &WorldCandidature) -> Vec<Diagnostic> {
    if c.candidature.heritage_nrus.is_empty() || c.candidature.filed_on.is_some() {
        return vec![];
    }
    vec![Diagnostic::new(
        "HER-02",
        Severity::Error,
        subject(&c.id),
        "NRU d'héritage sans candidature administrative déposée : l'héritage se déclare au dépôt de la candidature",
        "heritage NRU without a filed administrative candidature: heritage is declared when the candidature is filed",
    )]
}

/// HER-03 (outside MS): at most N heritage NRUs [default 1], from the same dispositif in va1.
pub fn her_03_single_same_dispositif(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    if cand.dispositif.couloir().is_medico_social() {
        return vec![];
    }
    let mut out = Vec::new();
    let max = ctx.rules(&cand.dispositif).her03_max_heritage_nrus;
    let mut nrus: Vec<&Nru> = cand.heritage_nrus.iter().collect();
    nrus.sort();
    nrus.dedup();
    if nrus.len() > max as usize {
        out.push(Diagnostic::new(
            "HER-03",
            Severity::Error,
            subject(&c.id),
            format!(
                "{} NRU d'héritage déclarés ; au plus {max} hors couloir médico-social",
                nrus.len()
            ),
            format!(
                "{} heritage NRUs declared; at most {max} outside the médico-social couloir",
                nrus.len()
            ),
        ));
    }
    for nru in nrus {
        if let Some(r) = ctx.referencing(nru)
            && r.referencing.dispositif.family() != cand.dispositif.family()
        {
            out.push(Diagnostic::new(
                "HER-03",
                Severity::Error,
                subject(&c.id),
                format!(
                    "NRU d'héritage {nru} issu de {} : il doit venir du même dispositif en vague 1 ({}-Va1)",
                    r.referencing.dispositif,
                    cand.dispositif.family()
                ),
                format!(
                    "heritage NRU {nru} comes from {}: it must come from the same dispositif in va1 ({}-Va1)",
                    r.referencing.dispositif,
                    cand.dispositif.family()
                ),
            ));
        }
    }
    out
}

/// HER-04 (MS): every heritage NRU must come from a va1 médico-social dispositif.
pub fn her_04_medico_social_sources(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    if !cand.dispositif.couloir().is_medico_social() {
        return vec![];
    }
    let mut out = Vec::new();
    for nru in &cand.heritage_nrus {
        if let Some(r) = ctx.referencing(nru)
            && !r.referencing.dispositif.couloir().is_medico_social()
        {
            out.push(Diagnostic::new(
                "HER-04",
                Severity::Error,
                subject(&c.id),
                format!(
                    "NRU d'héritage {nru} issu de {} : hors médico-social, aucune preuve héritée",
                    r.referencing.dispositif
                ),
                format!(
                    "heritage NRU {nru} comes from {}: not médico-social, no proof inherited",
                    r.referencing.dispositif
                ),
            ));
        }
    }
    out
}

/// HER-05: héritage and équivalence combine; an info notes it when both are declared.
pub fn her_05_combined(c: &WorldCandidature) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    if cand.heritage_nrus.is_empty() || cand.root_nru.is_none() {
        return vec![];
    }
    vec![Diagnostic::new(
        "HER-05",
        Severity::Info,
        subject(&c.id),
        "héritage et équivalence combinés : une preuve couverte par les deux est héritée",
        "héritage and équivalence combined: a proof covered by both is inherited",
    )]
}

pub(crate) fn check(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let mut out = her_02_declared_at_candidature(c);
    out.extend(her_03_single_same_dispositif(ctx, c));
    out.extend(her_04_medico_social_sources(ctx, c));
    out.extend(her_05_combined(c));
    out
}
