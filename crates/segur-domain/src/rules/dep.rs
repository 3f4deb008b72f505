//! DEP — deposit progress.

use serde::{Deserialize, Serialize};

use super::context::CheckContext;
use super::fasthash::HashSet;
use super::plan::ProofPlan;
use super::settings::{Dep01Counting, Dep02Thresholds};
use super::{Diagnostic, Severity, subject};
use crate::calendar::Milestone;
use crate::catalogue::{ProofItemKey, Wave};
use crate::proof::ProofStatus;
use crate::world::WorldCandidature;

/// DEP-02 risk of missing the next deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Eleve,
    Modere,
    SansRisque,
}

/// DEP-02: classifies a plan's progress given the days left before D2 (negative once passed).
pub fn dep_02_risk(plan: &ProofPlan, days_to_d2: i64, thresholds: &Dep02Thresholds) -> Risk {
    dep_02_risk_of(plan.totals.deposited_pct(), days_to_d2, thresholds)
}

/// DEP-02 on bare figures: `pct` of the items to deposit already deposited, `days_to_d2` left
/// (negative once passed). The monitoring report (`crate::monitoring`) classifies with it from
/// counts computed in SQL, the diagnostics from a plan: one rule, one place.
pub fn dep_02_risk_of(pct: u32, days_to_d2: i64, thresholds: &Dep02Thresholds) -> Risk {
    if pct >= 100 {
        return Risk::SansRisque;
    }
    if days_to_d2 < 0
        || (days_to_d2 <= thresholds.high_within_days && pct < thresholds.high_below_pct)
    {
        return Risk::Eleve;
    }
    if days_to_d2 <= thresholds.moderate_within_days && pct < thresholds.moderate_below_pct {
        return Risk::Modere;
    }
    Risk::SansRisque
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::Eleve, Risk::Modere, Risk::SansRisque];

    /// Stable name, as serialised (`eleve`, `modere`, `sans_risque`).
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Eleve => "eleve",
            Risk::Modere => "modere",
            Risk::SansRisque => "sans_risque",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                crate::ParseError::new(
                    "risk",
                    format!("risque « {s} » inconnu : eleve, modere ou sans_risque"),
                )
            })
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Risk::Eleve => "élevé",
            Risk::Modere => "modéré",
            Risk::SansRisque => "sans risque",
        }
    }

    /// The classification as a phrase: "risque élevé", "risque modéré", "sans risque".
    pub fn phrase_fr(self) -> &'static str {
        match self {
            Risk::Eleve => "risque élevé",
            Risk::Modere => "risque modéré",
            Risk::SansRisque => "sans risque",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Risk::Eleve => "high",
            Risk::Modere => "moderate",
            Risk::SansRisque => "no risk",
        }
    }
}

fn counts(counting: Dep01Counting, s: ProofStatus) -> bool {
    match counting {
        Dep01Counting::AnyStatus => s.counts_as_deposited(),
        Dep01Counting::NotRejected => s.counts_as_deposited() && s != ProofStatus::Rejected,
        Dep01Counting::ValidatedOnly => s == ProofStatus::Validated,
    }
}

/// DEP-01: at the dispositif's checkpoint (MDV va2: 22/07/2026 end of day), at least N items of
/// profile Général va2 deposited [25] and, without heritage NRU, M of Général va1 [50]. Evaluated
/// from the checkpoint on, counting deposits dated on or before it (an undated deposit is not
/// counted). When the plan asks for fewer items than the threshold, all of them are expected.
pub fn dep_01_checkpoint(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: &ProofPlan,
) -> Vec<Diagnostic> {
    let s = ctx.rules(&c.candidature.dispositif);
    let Some(cp) = s.dep01_checkpoint else {
        return vec![];
    };
    if ctx.at < cp || c.candidature.state.is_final() {
        return vec![];
    }
    let counted: HashSet<&ProofItemKey> = c
        .deposits
        .iter()
        .filter(|d| d.deposited_on.is_some_and(|on| on <= cp) && counts(s.dep01_counting, d.status))
        .map(|d| &d.key)
        .collect();
    let mut waves = vec![(Wave::Va2, s.dep01_min_general_va2)];
    if c.candidature.heritage_nrus.is_empty() {
        waves.push((Wave::Va1, s.dep01_min_general_va1));
    }
    let mut out = Vec::new();
    for (wave, min) in waves {
        let items: Vec<&ProofItemKey> = plan
            .items
            .iter()
            .filter(|i| i.profile.is_general() && i.wave_origin == wave && i.status.must_deposit())
            .map(|i| &i.key)
            .collect();
        let need = (min as usize).min(items.len());
        let got = items.iter().filter(|k| counted.contains(*k)).count();
        if got < need {
            let w = wave.as_str();
            out.push(Diagnostic::new(
                "DEP-01",
                Severity::Warning,
                subject(&c.id),
                format!("au {cp} : {got} preuve(s) Général {w} déposée(s), {need} attendue(s)"),
                format!("by {cp}: {got} Général {w} proof(s) deposited, {need} expected"),
            ));
        }
    }
    out
}

/// DEP-02: the candidature's risk of missing D2, as an info diagnostic (not for candidatures
/// whose dossier is complete or closed).
pub fn dep_02_progress(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: &ProofPlan,
) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    if cand.state.is_final() || cand.complete_deposit_on.is_some() {
        return vec![];
    }
    let Some(d2) = ctx.milestone(&cand.dispositif, Milestone::D2, ctx.at) else {
        return vec![];
    };
    let days = ctx
        .at
        .until((jiff::Unit::Day, d2))
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0);
    let risk = dep_02_risk(plan, days, &ctx.rules(&cand.dispositif).dep02_thresholds);
    let t = &plan.totals;
    let (when_fr, when_en) = if days >= 0 {
        (
            format!("D2 dans {days} jour(s) ({d2})"),
            format!("D2 in {days} day(s) ({d2})"),
        )
    } else {
        (
            format!("D2 dépassée de {} jour(s) ({d2})", -days),
            format!("D2 passed {} day(s) ago ({d2})", -days),
        )
    };
    vec![Diagnostic::new(
        "DEP-02",
        Severity::Info,
        subject(&c.id),
        format!(
            "{} : {}/{} preuves déposées ({} %), {when_fr}",
            risk.phrase_fr(),
            t.deposited,
            t.to_deposit(),
            t.deposited_pct()
        ),
        format!(
            "{}: {}/{} proofs deposited ({} %), {when_en}",
            risk.label_en(),
            t.deposited,
            t.to_deposit(),
            t.deposited_pct()
        ),
    )]
}

pub(crate) fn check(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let Some(p) = plan else {
        return vec![];
    };
    let mut out = dep_01_checkpoint(ctx, c, p);
    out.extend(dep_02_progress(ctx, c, p));
    out
}
