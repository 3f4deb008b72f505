//! PEN — penetration test (test d'intrusion).

use jiff::civil::Date;

use super::context::CheckContext;
use super::plan::ProofPlan;
use super::settings::Pen04Reference;
use super::{Diagnostic, Severity};
use crate::candidature::CandidatureState;
use crate::world::{PentestForm, SignatureKind, TestEnvironment, WorldCandidature};

/// The requirement under which the pentest is due, if any: SC.PSC.14 for solutions subject to
/// EDC PSC homologation (declared PSC NRUs or a proxy component), SC.SSI/GEN.18 for the
/// médico-social profile AHI.
pub fn pen_requirement(c: &WorldCandidature) -> Option<&'static str> {
    if !c.psc_nrus.is_empty() || c.candidature.solution.proxy.is_some() {
        return Some("SC.PSC.14");
    }
    if c.candidature
        .applicable_profiles()
        .iter()
        .any(|p| p.as_str().eq_ignore_ascii_case("AHI"))
    {
        return Some("SC.SSI/GEN.18");
    }
    None
}

fn pen_subject(c: &WorldCandidature) -> String {
    match pen_requirement(c) {
        Some(r) => format!("candidature {} / {r}", c.id),
        None => format!("candidature {} / test d'intrusion", c.id),
    }
}

/// The form that counts: the most recent one (by date, then deposit date).
fn current_form<'a>(ctx: &CheckContext<'a>, c: &WorldCandidature) -> Option<&'a PentestForm> {
    ctx.pentest_forms(&c.id).iter().copied().max_by(|a, b| {
        (a.dated_on, a.deposited_on, &a.provider).cmp(&(b.dated_on, b.deposited_on, &b.provider))
    })
}

/// PEN-01: a pentest form is required (error once the dossier is declared complete, warning
/// while proofs are in progress) unless the plan exempts the requirement it is due under
/// (inherited or equivalent: the pentest was validated with the root or va1 referencing).
pub fn pen_01_pentest_required(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let Some(req) = pen_requirement(c) else {
        return vec![];
    };
    let exempted = plan.is_some_and(|p| {
        let mut items = p
            .items
            .iter()
            .filter(|i| i.key.requirement.as_str() == req)
            .peekable();
        items.peek().is_some() && items.all(|i| !i.status.must_deposit())
    });
    if exempted
        || current_form(ctx, c).is_some()
        || c.candidature.state == CandidatureState::Draft
        || c.candidature.state == CandidatureState::Abandoned
    {
        return vec![];
    }
    let sev = if matches!(
        c.candidature.state,
        CandidatureState::Complete | CandidatureState::InInstruction | CandidatureState::Referenced
    ) {
        Severity::Error
    } else {
        Severity::Warning
    };
    vec![Diagnostic::new(
        "PEN-01",
        sev,
        pen_subject(c),
        format!("preuve de test d'intrusion exigée sous {req} : aucun formulaire déposé"),
        format!("a pentest proof is required under {req}: no form deposited"),
    )]
}

/// PEN-02: PASSI-qualified provider.
pub fn pen_02_passi(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    match current_form(ctx, c) {
        Some(f) if !f.passi_qualified => vec![Diagnostic::new(
            "PEN-02",
            Severity::Error,
            pen_subject(c),
            format!("prestataire « {} » non qualifié PASSI", f.provider),
            format!("provider \"{}\" is not PASSI-qualified", f.provider),
        )],
        _ => vec![],
    }
}

/// PEN-03: electronic signature by the provider.
pub fn pen_03_electronic_signature(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    match current_form(ctx, c) {
        Some(f) if f.signature != SignatureKind::Electronic => {
            let (fr, en) = match f.signature {
                SignatureKind::Scanned => (
                    "signature manuscrite scannée",
                    "scanned handwritten signature",
                ),
                _ => ("non signé", "unsigned"),
            };
            vec![Diagnostic::new(
                "PEN-03",
                Severity::Error,
                pen_subject(c),
                format!(
                    "formulaire de test d'intrusion {fr} : signature électronique du prestataire exigée"
                ),
                format!("pentest form {en}: the provider's electronic signature is required"),
            )]
        }
        _ => vec![],
    }
}

/// Latest date on which a form dated `dated_on` is still "less than one year" old:
/// one year = the same calendar date one year later (29 February → 28 February), which is
/// already too late. So dated 2023-03-01 is fine on 2024-02-29 (365 days, leap year) and too
/// old on 2024-03-01 (366 days); dated 2025-03-01 is too old on 2026-03-01 (365 days).
pub fn pen_04_limit(dated_on: Date, months: u32) -> Date {
    dated_on
        .checked_add(jiff::Span::new().months(i64::from(months)))
        .unwrap_or(Date::MAX)
}

/// PEN-04: the form is dated less than one year before the reference date (deposit date, or the
/// check date while not deposited [default]; the check date with `CheckDate`).
pub fn pen_04_less_than_one_year(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let Some(f) = current_form(ctx, c) else {
        return vec![];
    };
    let s = ctx.rules(&c.candidature.dispositif);
    let (reference, which_fr, which_en) = match (s.pen04_reference, f.deposited_on) {
        (Pen04Reference::DepositDate, Some(d)) => (d, "de dépôt", "deposit date"),
        _ => (ctx.at, "du contrôle", "check date"),
    };
    let limit = pen_04_limit(f.dated_on, s.pen04_validity_months);
    if reference < limit {
        return vec![];
    }
    vec![Diagnostic::new(
        "PEN-04",
        Severity::Error,
        pen_subject(c),
        format!(
            "formulaire daté du {}, plus d'un an avant la date {which_fr} ({reference}) : il devait être déposé avant le {limit}",
            f.dated_on
        ),
        format!(
            "form dated {}, one year or more before the {which_en} ({reference}); it had to be deposited before {limit}",
            f.dated_on
        ),
    )]
}

/// PEN-05: the form mentions every commercial name and technical version.
pub fn pen_05_names_and_versions(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let Some(f) = current_form(ctx, c) else {
        return vec![];
    };
    let norm = |s: &str| s.trim().to_lowercase();
    let names: Vec<String> = f.names.iter().map(|n| norm(n)).collect();
    let versions: Vec<String> = f.versions.iter().map(|n| norm(n)).collect();
    let mut out = Vec::new();
    for n in &c.candidature.solution.names {
        if !names.contains(&norm(&n.name)) {
            out.push(Diagnostic::new(
                "PEN-05",
                Severity::Error,
                pen_subject(c),
                format!(
                    "le formulaire ne mentionne pas le nom commercial « {} »",
                    n.name
                ),
                format!("the form does not mention commercial name \"{}\"", n.name),
            ));
        }
        if !versions.contains(&norm(&n.technical_version)) {
            out.push(Diagnostic::new(
                "PEN-05",
                Severity::Error,
                pen_subject(c),
                format!(
                    "le formulaire ne mentionne pas la version technique {} (« {} »)",
                    n.technical_version, n.name
                ),
                format!(
                    "the form does not mention technical version {} (\"{}\")",
                    n.technical_version, n.name
                ),
            ));
        }
    }
    out
}

/// PEN-06: the test should run on iso-production.
pub fn pen_06_iso_production(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    match current_form(ctx, c) {
        Some(f) if f.environment == TestEnvironment::Production => vec![Diagnostic::new(
            "PEN-06",
            Severity::Warning,
            pen_subject(c),
            "test d'intrusion réalisé en production : un environnement iso-production est recommandé",
            "pentest run in production: an iso-production environment is recommended",
        )],
        _ => vec![],
    }
}

pub(crate) fn check(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let mut out = pen_01_pentest_required(ctx, c, plan);
    out.extend(pen_02_passi(ctx, c));
    out.extend(pen_03_electronic_signature(ctx, c));
    out.extend(pen_04_less_than_one_year(ctx, c));
    out.extend(pen_05_names_and_versions(ctx, c));
    out.extend(pen_06_iso_production(ctx, c));
    out
}
