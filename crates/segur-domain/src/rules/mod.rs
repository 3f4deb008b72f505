//! The rules engine: proof plans and diagnostics, every decision citing a rule ID of
//! `rules.md` (LIF, HER, EQV, NAM, CNDA, PSC, PEN, CAL, DEP families, and BDC, FIN, PRE for
//! financing in [`fin`]).
//!
//! Everything here is pure: the [`World`] and the date `at` are parameters, there is no clock and
//! no I/O. Diagnostics are sorted so that the output never depends on the order of the world's
//! lists.
//!
//! Entry points: [`plan`] (one candidature's proof plan), [`check`] (every check on every
//! candidature), [`check_candidature`], [`calendar_history`], and the rule catalogue
//! ([`rule`], [`all_rules`]) that answers the UI's "pourquoi ?".

mod catalogue;
mod context;
mod fasthash;
mod settings;

pub mod cal;
pub mod cnda;
pub mod dep;
pub mod eqv;
pub mod fin;
pub mod her;
pub mod lif;
pub mod nam;
pub mod pen;
pub mod plan;
pub mod psc;

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarHistory;
use crate::catalogue::DispositifCode;
use crate::world::World;

pub use catalogue::{RuleInfo, all_rules, rule};
pub use context::CheckContext;
pub use dep::{Risk, dep_02_risk, dep_02_risk_of};
pub use plan::{PlanError, PlanItem, PlanStatus, PlanTotals, ProofPlan, plan};
pub use settings::{
    CalendarChoice, Dep01Counting, Dep02Thresholds, Pen04Reference, RuleSettings, Settings,
    VersionComparison,
};

/// How serious a diagnostic is: an error blocks the action or makes the item non-compliant, a
/// warning is reported without blocking, an info explains a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Severity::Error => "Erreur",
            Severity::Warning => "Avertissement",
            Severity::Info => "Information",
        }
    }
}

/// One finding of the engine, citing the rule behind it and that rule's source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Rule ID, e.g. `EQV-04`.
    pub rule: String,
    pub severity: Severity,
    /// What the finding is about, e.g. `candidature monlps-psf` or `candidature x / SC.PSC.14`.
    pub subject: String,
    pub message_fr: String,
    pub message_en: String,
    /// Source of the rule, e.g. `seed 003` or `default`.
    pub source: String,
}

impl Diagnostic {
    /// Builds a diagnostic; the source is taken from the rule catalogue.
    pub fn new(
        rule_id: &str,
        severity: Severity,
        subject: impl Into<String>,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        let source = rule(rule_id)
            .map(|r| r.source)
            .unwrap_or("default")
            .to_owned();
        Self {
            rule: rule_id.to_owned(),
            severity,
            subject: subject.into(),
            message_fr: message_fr.into(),
            message_en: message_en.into(),
            source,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The subject string of a candidature.
pub(crate) fn subject(candidature_id: &str) -> String {
    format!("candidature {candidature_id}")
}

/// Sorts and deduplicates diagnostics so that output is independent of input order.
pub(crate) fn normalise(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort();
    diags.dedup();
    diags
}

/// Every check, on every candidature of the world, plus world-level checks (calendars, CAL).
/// Sorted deterministically.
pub fn check(world: &World, at: jiff::civil::Date, settings: &Settings) -> Vec<Diagnostic> {
    let ctx = CheckContext::new(world, at, settings);
    let mut out = cal::check_world(&ctx);
    for c in &world.candidatures {
        out.extend(ctx.check_one(c));
    }
    out.extend(eqv::check_world(&ctx));
    out.extend(fin::check(world, at, settings));
    normalise(out)
}

/// Every check concerning one candidature, including the world-level findings that name it
/// (EQV-11); an unknown id gives a single error. Sorted.
pub fn check_candidature(
    world: &World,
    candidature_id: &str,
    at: jiff::civil::Date,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let ctx = CheckContext::new(world, at, settings);
    match ctx.candidature(candidature_id) {
        Some(c) => {
            let mut out = ctx.check_one(c);
            // World-level findings that name this candidature (EQV-11 pairs).
            out.extend(
                eqv::check_world(&ctx)
                    .into_iter()
                    .filter(|d| d.subject.split([' ', ',']).any(|w| w == candidature_id)),
            );
            normalise(out)
        }
        None => vec![Diagnostic::new(
            "LIF-03",
            Severity::Error,
            subject(candidature_id),
            format!("candidature « {candidature_id} » inconnue"),
            format!("unknown candidature \"{candidature_id}\""),
        )],
    }
}

/// The calendar history of a dispositif, from the world's calendar entries (CAL-02). Entries
/// whose dates do not parse are left out here and reported by [`check`] (CAL-01).
pub fn calendar_history(world: &World, dispositif: &DispositifCode) -> CalendarHistory {
    cal::history(world, dispositif)
}
