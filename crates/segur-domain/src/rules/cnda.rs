//! CNDA — homologation by the Assurance Maladie.

use super::context::CheckContext;
use super::{Diagnostic, Severity, subject};
use crate::version::Version;
use crate::world::{CndaRequest, CndaStatus, HabilitationKind, PscHabilitation, WorldCandidature};

/// The latest request (by request date, then status) among several for one NIL.
fn latest<'a>(reqs: &[&'a CndaRequest]) -> Option<&'a CndaRequest> {
    reqs.iter().copied().max_by(|a, b| {
        (a.requested_on, a.status, &a.software_version).cmp(&(
            b.requested_on,
            b.status,
            &b.software_version,
        ))
    })
}

fn same_version(a: &str, b: &str) -> bool {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// CNDA-01: one conformity request per commercial name (per NIL).
pub fn cnda_01_request_per_nil(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    c.candidature
        .solution
        .names
        .iter()
        .filter(|n| ctx.cnda_requests(&c.editor, &n.nil).is_empty())
        .map(|n| {
            Diagnostic::new(
                "CNDA-01",
                Severity::Error,
                subject(&c.id),
                format!(
                    "aucune demande de conformité CNDA pour le NIL {} ({})",
                    n.nil, n.name
                ),
                format!("no CNDA conformity request for NIL {} ({})", n.nil, n.name),
            )
        })
        .collect()
}

/// CNDA-02: the latest request of each NIL must match the name's technical version and the
/// referential versions the REM requires (setting `cnda02_required_referentials`).
pub fn cnda_02_request_matches_versions(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let required = &ctx
        .rules(&c.candidature.dispositif)
        .cnda02_required_referentials;
    let mut out = Vec::new();
    for n in &c.candidature.solution.names {
        let Some(r) = latest(ctx.cnda_requests(&c.editor, &n.nil)) else {
            continue;
        };
        if !same_version(&r.software_version, &n.technical_version) {
            out.push(Diagnostic::new(
                "CNDA-02",
                Severity::Error,
                subject(&c.id),
                format!("NIL {} : demande CNDA pour la version {}, version technique déclarée {} ; nouvelle demande requise", n.nil, r.software_version, n.technical_version),
                format!("NIL {}: CNDA request for version {}, declared technical version {}; a new request is required", n.nil, r.software_version, n.technical_version),
            ));
        }
        for (referential, version) in required {
            let got = r.referential_versions.get(referential);
            if got != Some(version) {
                let got = got.map(String::as_str).unwrap_or("absent");
                out.push(Diagnostic::new(
                    "CNDA-02",
                    Severity::Error,
                    subject(&c.id),
                    format!("NIL {} : référentiel {referential} en {got} dans la demande CNDA, {version} exigé par le REM ; nouvelle demande requise", n.nil),
                    format!("NIL {}: referential {referential} is {got} in the CNDA request, the REM requires {version}; a new request is required", n.nil),
                ));
            }
        }
    }
    out
}

/// The habilitations the candidature declares (known ones).
pub(crate) fn habilitations<'a>(
    ctx: &CheckContext<'a>,
    c: &WorldCandidature,
) -> Vec<&'a PscHabilitation> {
    let mut v: Vec<&PscHabilitation> = c
        .psc_nrus
        .iter()
        .filter_map(|n| ctx.habilitation(n))
        .collect();
    v.sort_by(|a, b| a.nru.cmp(&b.nru));
    v.dedup_by(|a, b| a.nru == b.nru);
    v
}

pub(crate) fn covers_lps(h: &PscHabilitation) -> bool {
    matches!(
        h.kind,
        HabilitationKind::EditeurLps | HabilitationKind::Monobloc
    )
}

pub(crate) fn covers_proxy(h: &PscHabilitation) -> bool {
    matches!(
        h.kind,
        HabilitationKind::EditeurProxy | HabilitationKind::Monobloc
    )
}

/// CNDA-03: test-environment access follows PMT validation on the EDC PSC editor counter:
/// 1 authorisation with own LPS and proxy, 2 with a third-party proxy (info), and a warning when
/// a request is in testing while no PMT validation is recorded.
pub fn cnda_03_test_access(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let habs = habilitations(ctx, c);
    if habs.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    let third_party = habs.iter().any(|h| covers_proxy(h) && h.editor != c.editor);
    let n = if third_party { 2 } else { 1 };
    out.push(Diagnostic::new(
        "CNDA-03",
        Severity::Info,
        subject(&c.id),
        format!("accès à l'environnement de test CNDA : {n} autorisation(s) après validation du chapitre PMT{}", if third_party { " (la vôtre et celle du fournisseur du proxy tiers)" } else { "" }),
        format!("CNDA test environment access: {n} authorisation(s) after PMT validation{}", if third_party { " (yours and the third-party proxy vendor's)" } else { "" }),
    ));
    let pmt_ok = habs
        .iter()
        .any(|h| covers_lps(h) && h.pmt_validated_on.is_some());
    let testing = c.candidature.solution.names.iter().any(|nm| {
        ctx.cnda_requests(&c.editor, &nm.nil)
            .iter()
            .any(|r| matches!(r.status, CndaStatus::InTesting | CndaStatus::Homologated))
    });
    if testing && !pmt_ok {
        out.push(Diagnostic::new(
            "CNDA-03",
            Severity::Warning,
            subject(&c.id),
            "demande CNDA en test sans validation du chapitre PMT enregistrée au guichet éditeur EDC PSC",
            "CNDA request in testing while no PMT validation is recorded on the EDC PSC editor counter",
        ));
    }
    out
}

/// CNDA-04: final homologation requires the EDC PSC habilitations (LPS and proxy, own or third
/// party, or a monobloc) to be deposited, for solutions subject to PSC (proxy component or
/// declared PSC NRUs).
pub fn cnda_04_homologation_needs_habilitations(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let sol = &c.candidature.solution;
    if sol.proxy.is_none() && c.psc_nrus.is_empty() {
        return vec![];
    }
    let homologated = sol.names.iter().any(|n| {
        ctx.cnda_requests(&c.editor, &n.nil)
            .iter()
            .any(|r| r.status == CndaStatus::Homologated)
    });
    if !homologated {
        return vec![];
    }
    let habs = habilitations(ctx, c);
    let mut missing = Vec::new();
    if !habs.iter().any(|h| covers_lps(h)) {
        missing.push(("LPS", "LPS"));
    }
    if !habs.iter().any(|h| covers_proxy(h)) {
        missing.push(("proxy", "proxy"));
    }
    missing
        .into_iter()
        .map(|(fr, en)| {
            Diagnostic::new(
                "CNDA-04",
                Severity::Error,
                subject(&c.id),
                format!("homologation CNDA finale sans habilitation EDC PSC {fr} déposée"),
                format!("final CNDA homologation without a deposited EDC PSC {en} habilitation"),
            )
        })
        .collect()
}

pub(crate) fn check(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let mut out = cnda_01_request_per_nil(ctx, c);
    out.extend(cnda_02_request_matches_versions(ctx, c));
    out.extend(cnda_03_test_access(ctx, c));
    out.extend(cnda_04_homologation_needs_habilitations(ctx, c));
    out
}
