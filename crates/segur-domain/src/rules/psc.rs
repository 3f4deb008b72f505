//! PSC — Espace de Confiance Pro Santé Connect habilitations.

use jiff::civil::Date;

use super::cnda::{covers_lps, covers_proxy, habilitations};
use super::context::CheckContext;
use super::{Diagnostic, Severity, subject};
use crate::world::{HabilitationChange, HabilitationKind, PscHabilitation, WorldCandidature};

fn hab_subject(c: &WorldCandidature, h: &PscHabilitation) -> String {
    format!("candidature {} / habilitation {}", c.id, h.nru)
}

/// End of validity of a habilitation: the same calendar date `years` later (29 February →
/// 28 February of a common year). Expired from that day on.
pub fn psc_01_expiry(issued_on: Date, years: u32) -> Date {
    let years = i64::from(years);
    issued_on
        .checked_add(jiff::Span::new().years(years))
        .unwrap_or(Date::MAX)
}

/// PSC-01: every declared habilitation exists and is valid at the check date.
pub fn psc_01_valid_three_years(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let years = ctx.rules(&c.candidature.dispositif).psc01_validity_years;
    let mut out = Vec::new();
    let mut nrus: Vec<_> = c.psc_nrus.iter().collect();
    nrus.sort();
    nrus.dedup();
    for nru in nrus {
        let Some(h) = ctx.habilitation(nru) else {
            out.push(Diagnostic::new(
                "PSC-01",
                Severity::Error,
                subject(&c.id),
                format!("habilitation EDC PSC {nru} inconnue"),
                format!("unknown EDC PSC habilitation {nru}"),
            ));
            continue;
        };
        let expiry = psc_01_expiry(h.issued_on, years);
        if ctx.at >= expiry {
            out.push(Diagnostic::new(
                "PSC-01",
                Severity::Error,
                hab_subject(c, h),
                format!(
                    "habilitation délivrée le {} expirée le {expiry} (validité {years} ans)",
                    h.issued_on
                ),
                format!(
                    "habilitation issued on {} expired on {expiry} ({years}-year validity)",
                    h.issued_on
                ),
            ));
        }
    }
    out
}

/// Modifications made after the habilitation was issued.
fn changes_after_issue(h: &PscHabilitation) -> Vec<&HabilitationChange> {
    let mut v: Vec<&HabilitationChange> = h
        .modifications
        .iter()
        .filter(|m| m.on > h.issued_on)
        .collect();
    v.sort_by(|a, b| (a.on, &a.component).cmp(&(b.on, &b.component)));
    v
}

/// PSC-02…PSC-05: who re-passes after a modification, by kind of habilitation.
/// - monobloc (PSC-03): modifying either component ⇒ both re-pass;
/// - proxy alone (PSC-04) or LPS alone (PSC-05): the modified component re-passes alone;
/// - LPS and proxy habilitated separately (PSC-02): only the modified one re-passes, the other
///   keeps its validated proofs.
pub fn psc_02_05_modifications(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let habs = habilitations(ctx, c);
    let mut out = Vec::new();
    let separate_lps = habs.iter().any(|h| h.kind == HabilitationKind::EditeurLps);
    let separate_proxy = habs
        .iter()
        .any(|h| h.kind == HabilitationKind::EditeurProxy);
    let mut modified = Vec::new();
    for h in &habs {
        for m in changes_after_issue(h) {
            let (rule, fr, en) = match h.kind {
                HabilitationKind::Monobloc => {
                    let all: Vec<&str> = h.components.iter().map(|x| x.name.as_str()).collect();
                    (
                        "PSC-03",
                        format!(
                            "monobloc : « {} » modifié le {} ; les deux composants ({}) repassent l'habilitation",
                            m.component,
                            m.on,
                            all.join(", ")
                        ),
                        format!(
                            "monobloc: \"{}\" modified on {}; both components ({}) re-pass",
                            m.component,
                            m.on,
                            all.join(", ")
                        ),
                    )
                }
                HabilitationKind::EditeurProxy => (
                    "PSC-04",
                    format!(
                        "proxy habilité seul : « {} » modifié le {} ; le proxy repasse seul",
                        m.component, m.on
                    ),
                    format!(
                        "proxy habilitated alone: \"{}\" modified on {}; the proxy re-passes alone",
                        m.component, m.on
                    ),
                ),
                HabilitationKind::EditeurLps => (
                    "PSC-05",
                    format!(
                        "LPS habilité seul : « {} » modifié le {} ; le LPS repasse seul",
                        m.component, m.on
                    ),
                    format!(
                        "LPS habilitated alone: \"{}\" modified on {}; the LPS re-passes alone",
                        m.component, m.on
                    ),
                ),
                _ => continue,
            };
            if h.kind != HabilitationKind::Monobloc {
                modified.push(h.kind);
            }
            out.push(Diagnostic::new(
                rule,
                Severity::Warning,
                hab_subject(c, h),
                fr,
                en,
            ));
        }
    }
    if separate_lps && separate_proxy && !modified.is_empty() {
        let kept = if modified.contains(&HabilitationKind::EditeurLps)
            && modified.contains(&HabilitationKind::EditeurProxy)
        {
            None
        } else if modified.contains(&HabilitationKind::EditeurLps) {
            Some(("proxy", "proxy"))
        } else {
            Some(("LPS", "LPS"))
        };
        if let Some((fr, en)) = kept {
            out.push(Diagnostic::new(
                "PSC-02",
                Severity::Info,
                subject(&c.id),
                format!("LPS et proxy habilités séparément : les preuves validées du {fr} ne sont pas redemandées"),
                format!("LPS and proxy habilitated separately: the {en}'s validated proofs are not requested again"),
            ));
        }
    }
    // PSC-04/05 reuse: a new proxy beside an LPS habilitated alone needs only its own proofs.
    if let Some(proxy) = &c.candidature.solution.proxy
        && separate_lps
        && !habs
            .iter()
            .any(|h| covers_proxy(h) && h.components.iter().any(|x| x.name == proxy.name))
    {
        out.push(Diagnostic::new(
            "PSC-05",
            Severity::Info,
            subject(&c.id),
            format!("LPS habilité seul et proxy « {} » non habilité : seules les preuves propres du nouveau proxy sont à fournir", proxy.name),
            format!("LPS habilitated alone and proxy \"{}\" not habilitated: only the new proxy's own proofs are needed", proxy.name),
        ));
    }
    out
}

/// PSC-06: operator habilitations: one per commercial name, and any modification of the operated
/// solution after issue needs a new operator habilitation.
pub fn psc_06_operator(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for h in habilitations(ctx, c) {
        if !matches!(
            h.kind,
            HabilitationKind::OperateurServiceUtilisateur | HabilitationKind::OperateurProxy
        ) {
            continue;
        }
        if h.names.len() != 1 {
            out.push(Diagnostic::new(
                "PSC-06",
                Severity::Error,
                hab_subject(c, h),
                format!("habilitation opérateur couvrant {} noms commerciaux : une habilitation par nom", h.names.len()),
                format!("operator habilitation covering {} commercial names: one habilitation per name", h.names.len()),
            ));
        }
        for m in changes_after_issue(h) {
            out.push(Diagnostic::new(
                "PSC-06",
                Severity::Error,
                hab_subject(c, h),
                format!("solution opérée modifiée le {} (« {} ») : nouvelle habilitation opérateur requise", m.on, m.component),
                format!("operated solution modified on {} (\"{}\"): a new operator habilitation is required", m.on, m.component),
            ));
        }
    }
    out
}

/// PSC-07: an editor habilitation of a solution with several names lists every name and NIL.
pub fn psc_07_editor_lists_names(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let names = &c.candidature.solution.names;
    if names.len() < 2 {
        return vec![];
    }
    let mut out = Vec::new();
    for h in habilitations(ctx, c).into_iter().filter(|h| covers_lps(h)) {
        for n in names {
            if !h.names.iter().any(|x| x == &n.name) || !h.nils.contains(&n.nil) {
                out.push(Diagnostic::new(
                    "PSC-07",
                    Severity::Error,
                    hab_subject(c, h),
                    format!(
                        "l'attestation d'habilitation doit lister le nom « {} » et son NIL {}",
                        n.name, n.nil
                    ),
                    format!(
                        "the habilitation attestation must list name \"{}\" and its NIL {}",
                        n.name, n.nil
                    ),
                ));
            }
        }
    }
    out
}

pub(crate) fn check(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let mut out = psc_01_valid_three_years(ctx, c);
    out.extend(psc_02_05_modifications(ctx, c));
    out.extend(psc_06_operator(ctx, c));
    out.extend(psc_07_editor_lists_names(ctx, c));
    out
}
