//! LIF — lifecycle of a candidature (Convergence).

use super::Diagnostic;
use super::context::CheckContext;
use super::plan::ProofPlan;
use crate::world::WorldCandidature;

pub(crate) fn check(
    _ctx: &CheckContext<'_>,
    _c: &WorldCandidature,
    _plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    Vec::new()
}
