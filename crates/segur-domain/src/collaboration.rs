//! Editor-side collaboration: proof items assigned to colleagues with a due date, and
//! internal notes. Both are the editor's own working data: never shown to the ANS
//! (see [`crate::authz::Action::ReadInternalNotes`]).
//!
//! Pure: the calendar and today's date are parameters.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::calendar::{CalendarHistory, Milestone};

/// Longest internal note, in characters.
pub const NOTE_MAX_CHARS: usize = 4000;

/// The text of an internal note: trimmed, non-empty, at most [`NOTE_MAX_CHARS`] characters,
/// no control characters other than line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InternalNote(String);
crate::string_newtype!(InternalNote);

impl InternalNote {
    const RULES: crate::text::BoundedText = crate::text::BoundedText {
        field: "body",
        label: "la note interne",
        empty_message: "la note interne est vide",
        max_chars: NOTE_MAX_CHARS,
        refuse_controls: true,
    };

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::RULES.parse(s).map(Self)
    }
}

/// Checks the due date of an assignment against the D2 deadline (LIF-05: the complete dossier
/// is deposited no later than D2) of the dispositif's calendar in force on `today`.
///
/// Refused when the due date is after D2, or when the calendar in force sets no D2 (the
/// deadline cannot be checked). The due date may be D2 itself.
pub fn check_due_date(
    calendars: &CalendarHistory,
    today: Date,
    due_on: Date,
) -> Result<(), ParseError> {
    let d2 = calendars
        .in_force(today)
        .and_then(|c| c.date(Milestone::D2))
        .map(|d| d.date());
    match d2 {
        Some(d2) if due_on <= d2 => Ok(()),
        Some(d2) => Err(ParseError::new(
            "due_on",
            format!(
                "échéance du {due_on} postérieure à D2 ({d2}) : le dossier complet doit être \
                 déposé au plus tard à D2 (LIF-05)"
            ),
        )),
        None => Err(ParseError::new(
            "due_on",
            "D2 du dispositif inconnue : l'échéance ne peut pas être vérifiée (LIF-05)",
        )),
    }
}

/// Where an assigned item stands on `today`, for the "Mon travail" list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueStatus {
    /// Whole days from `today` to the due date (0 on the due date, negative once passed).
    pub days_left: i64,
    /// The due date has passed.
    pub overdue: bool,
}

/// The status of an item due on `due_on`, seen on `today`.
pub fn due_status(due_on: Date, today: Date) -> DueStatus {
    let days_left = today
        .until((jiff::Unit::Day, due_on))
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0);
    DueStatus {
        days_left,
        overdue: days_left < 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Arrete, Calendar};
    use crate::catalogue::DispositifCode;
    use jiff::civil::date;
    use std::collections::BTreeMap;

    fn history(d2: Option<Date>) -> CalendarHistory {
        let mut dates = BTreeMap::new();
        if let Some(d2) = d2 {
            dates.insert(Milestone::D2, d2.at(23, 59, 59, 0));
        }
        CalendarHistory::new(vec![Calendar {
            dispositif: DispositifCode::parse("MDV-LGC-Va2").unwrap(),
            arrete: Arrete {
                title: "test".into(),
                signed_on: date(2026, 1, 1),
                published_on: date(2026, 1, 2),
            },
            dates,
        }])
    }

    #[test]
    fn lif_05_assignment_due_on_or_before_d2() {
        let h = history(Some(date(2026, 6, 30)));
        let today = date(2026, 3, 1);
        assert!(check_due_date(&h, today, date(2026, 6, 29)).is_ok());
        assert!(check_due_date(&h, today, date(2026, 6, 30)).is_ok());
        let e = check_due_date(&h, today, date(2026, 7, 1)).unwrap_err();
        assert_eq!(e.field, "due_on");
        assert!(e.reason.contains("LIF-05"), "{e}");
        assert!(e.reason.contains("2026-06-30"), "{e}");
    }

    #[test]
    fn lif_05_assignment_refused_when_d2_unknown() {
        let e = check_due_date(&history(None), date(2026, 3, 1), date(2026, 4, 1)).unwrap_err();
        assert!(e.reason.contains("LIF-05"));
        let e = check_due_date(
            &CalendarHistory::default(),
            date(2026, 3, 1),
            date(2026, 4, 1),
        )
        .unwrap_err();
        assert!(e.reason.contains("LIF-05"));
    }

    #[test]
    fn lif_05_uses_the_calendar_in_force() {
        let mut h = history(Some(date(2026, 6, 30)));
        let mut amended = h.versions[0].clone();
        amended.arrete.published_on = date(2026, 5, 1);
        amended
            .dates
            .insert(Milestone::D2, date(2026, 9, 30).at(23, 59, 59, 0));
        h = CalendarHistory::new(vec![h.versions[0].clone(), amended]);
        // Before the amendment is published, the original D2 applies.
        assert!(check_due_date(&h, date(2026, 4, 30), date(2026, 7, 15)).is_err());
        assert!(check_due_date(&h, date(2026, 5, 1), date(2026, 7, 15)).is_ok());
    }

    #[test]
    fn internal_note_is_validated() {
        assert_eq!(
            InternalNote::parse("  à relire  ").unwrap().as_str(),
            "à relire"
        );
        assert!(InternalNote::parse("   ").is_err());
        assert!(InternalNote::parse("ligne 1\nligne 2").is_ok());
        assert!(InternalNote::parse("bip\u{7}").is_err());
        let max = "é".repeat(NOTE_MAX_CHARS);
        assert!(InternalNote::parse(&max).is_ok());
        assert!(InternalNote::parse(&format!("{max}e")).is_err());
        let json = serde_json::to_string(&InternalNote::parse("ok").unwrap()).unwrap();
        assert_eq!(json, "\"ok\"");
        assert!(serde_json::from_str::<InternalNote>("\"\"").is_err());
    }

    #[test]
    fn due_status_counts_days_and_flags_overdue() {
        let due = date(2026, 6, 30);
        assert_eq!(
            due_status(due, date(2026, 6, 29)),
            DueStatus {
                days_left: 1,
                overdue: false
            }
        );
        assert_eq!(
            due_status(due, date(2026, 6, 30)),
            DueStatus {
                days_left: 0,
                overdue: false
            }
        );
        assert_eq!(
            due_status(due, date(2026, 7, 1)),
            DueStatus {
                days_left: -1,
                overdue: true
            }
        );
    }
}
