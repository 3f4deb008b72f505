//! CAL — SONS calendars.

use std::collections::BTreeMap;

use super::context::CheckContext;
use super::{Diagnostic, Severity, subject};
use crate::calendar::{Calendar, CalendarHistory, parse_milestone_datetime};
use crate::catalogue::DispositifCode;
use crate::holidays;
use crate::world::{CalendarEntry, World, WorldCandidature};

/// The calendar history of a dispositif from the world's entries; entries with a date that does
/// not parse are left out (reported by CAL-01).
pub fn history(world: &World, dispositif: &DispositifCode) -> CalendarHistory {
    let versions = world
        .calendars
        .iter()
        .filter(|e| &e.dispositif == dispositif)
        .filter_map(|e| {
            let mut dates = BTreeMap::new();
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

fn entry_subject(e: &CalendarEntry) -> String {
    format!("calendrier {} / {}", e.dispositif, e.arrete.title)
}

/// CAL-01: every date of a calendar entry parses, and D0 ≤ D1 ≤ … ≤ D6 among those given.
pub fn cal_01_dates_valid_and_ordered(e: &CalendarEntry) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut parsed = Vec::new();
    for (m, s) in &e.dates {
        match parse_milestone_datetime(s) {
            Ok(d) => parsed.push((*m, d)),
            Err(err) => out.push(Diagnostic::new(
                "CAL-01",
                Severity::Error,
                entry_subject(e),
                format!("{} : date invalide ({err})", m.as_str()),
                format!("{}: invalid date \"{s}\"", m.as_str()),
            )),
        }
    }
    parsed.sort_by_key(|(m, _)| *m);
    for w in parsed.windows(2) {
        let ((ma, a), (mb, b)) = (w[0], w[1]);
        if a > b {
            out.push(Diagnostic::new(
                "CAL-01",
                Severity::Error,
                entry_subject(e),
                format!(
                    "{} ({a}) postérieure à {} ({b}) : les dates D0 à D6 doivent se suivre",
                    ma.as_str(),
                    mb.as_str()
                ),
                format!(
                    "{} ({a}) is after {} ({b}): D0 to D6 must be in order",
                    ma.as_str(),
                    mb.as_str()
                ),
            ));
        }
    }
    out
}

/// CAL-02: the amendments of a dispositif's calendar, one info per changed milestone, so the
/// history stays visible next to the checks that use the calendar in force.
pub fn cal_02_amendments(h: &CalendarHistory, dispositif: &DispositifCode) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (m, seen) in h.changes() {
        for w in seen.windows(2) {
            let ((old, _), (new, arrete)) = (&w[0], &w[1]);
            out.push(Diagnostic::new(
                "CAL-02",
                Severity::Info,
                format!("calendrier {dispositif}"),
                format!(
                    "{} : {} → {} ({}, en vigueur le {})",
                    m.as_str(),
                    old.date(),
                    new.date(),
                    arrete.title,
                    arrete.published_on
                ),
                format!(
                    "{}: {} → {} ({}, in force from {})",
                    m.as_str(),
                    old.date(),
                    new.date(),
                    arrete.title,
                    arrete.published_on
                ),
            ));
        }
    }
    out
}

/// CAL-03: amended dates fall on working days (weekends and French public holidays excluded).
pub fn cal_03_amended_dates_on_working_days(
    h: &CalendarHistory,
    dispositif: &DispositifCode,
    alsace_moselle: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (m, seen) in h.changes() {
        for (new, arrete) in seen.iter().skip(1) {
            let d = new.date();
            if holidays::is_working_day(d, alsace_moselle) {
                continue;
            }
            let why = holidays::holiday_name(d, alsace_moselle).unwrap_or("week-end");
            out.push(Diagnostic::new(
                "CAL-03",
                Severity::Warning,
                format!("calendrier {dispositif}"),
                format!(
                    "{} modifiée au {d} ({why}) par « {} » : jour non ouvré",
                    m.as_str(),
                    arrete.title
                ),
                format!(
                    "{} amended to {d} ({why}) by \"{}\": not a working day",
                    m.as_str(),
                    arrete.title
                ),
            ));
        }
    }
    out
}

/// World-level CAL checks, per calendar entry and per dispositif.
pub(crate) fn check_world(ctx: &CheckContext<'_>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = ctx
        .world
        .calendars
        .iter()
        .flat_map(cal_01_dates_valid_and_ordered)
        .collect();
    let mut codes: Vec<&DispositifCode> =
        ctx.world.calendars.iter().map(|e| &e.dispositif).collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        if let Some(h) = ctx.calendar_history(code) {
            out.extend(cal_02_amendments(h, code));
            out.extend(cal_03_amended_dates_on_working_days(
                h,
                code,
                ctx.rules(code).cal03_alsace_moselle,
            ));
        }
    }
    out
}

/// CAL-01 for a candidature: its dispositif has a calendar, else no deadline is checked.
pub fn cal_01_candidature_has_calendar(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    if ctx.calendar_history(&c.candidature.dispositif).is_some() {
        return vec![];
    }
    vec![Diagnostic::new(
        "CAL-01",
        Severity::Info,
        subject(&c.id),
        format!(
            "aucun calendrier connu pour {} : échéances D1 à D6 non vérifiées",
            c.candidature.dispositif
        ),
        format!(
            "no calendar known for {}: deadlines D1 to D6 not checked",
            c.candidature.dispositif
        ),
    )]
}

pub(crate) fn check(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    cal_01_candidature_has_calendar(ctx, c)
}
