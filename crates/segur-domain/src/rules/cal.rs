//! CAL — SONS calendars.

use super::Diagnostic;
use super::context::CheckContext;
use crate::calendar::{Calendar, CalendarHistory, parse_milestone_datetime};
use crate::catalogue::DispositifCode;
use crate::world::{World, WorldCandidature};

/// The calendar history of a dispositif from the world's entries; entries with a date that does
/// not parse are left out (reported by CAL-01).
pub fn history(world: &World, dispositif: &DispositifCode) -> CalendarHistory {
    let versions = world
        .calendars
        .iter()
        .filter(|e| &e.dispositif == dispositif)
        .filter_map(|e| {
            let mut dates = std::collections::BTreeMap::new();
            for (m, s) in &e.dates {
                dates.insert(*m, parse_milestone_datetime(s).ok()?);
            }
            Some(Calendar {
                dispositif: e.dispositif.clone(),
                arrete: e.arrete.clone(),
                dates,
            })
        })
        .collect();
    CalendarHistory::new(versions)
}

pub(crate) fn check_world(_ctx: &CheckContext<'_>) -> Vec<Diagnostic> {
    Vec::new()
}

pub(crate) fn check(_ctx: &CheckContext<'_>, _c: &WorldCandidature) -> Vec<Diagnostic> {
    Vec::new()
}
