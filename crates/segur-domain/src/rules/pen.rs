//! PEN — penetration test (test d'intrusion).

use super::context::CheckContext;

use super::Diagnostic;
use crate::world::WorldCandidature;

pub(crate) fn check(_ctx: &CheckContext<'_>, _c: &WorldCandidature) -> Vec<Diagnostic> {
    Vec::new()
}
