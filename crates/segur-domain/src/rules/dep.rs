//! DEP — deposit progress.

use serde::{Deserialize, Serialize};

use super::Diagnostic;
use super::context::CheckContext;
use super::plan::ProofPlan;
use super::settings::Dep02Thresholds;
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
    let pct = plan.totals.deposited_pct();
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

pub(crate) fn check(
    _ctx: &CheckContext<'_>,
    _c: &WorldCandidature,
    _plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    Vec::new()
}
