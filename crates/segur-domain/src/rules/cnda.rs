//! CNDA — homologation by the Assurance Maladie.

use super::context::CheckContext;

use super::Diagnostic;
use crate::world::WorldCandidature;

pub(crate) fn check(_ctx: &CheckContext<'_>, _c: &WorldCandidature) -> Vec<Diagnostic> {
    Vec::new()
}
