//! Instruction of proof items by the ANS (LIF-06, LIF-07): the decision on one item, the
//! complement request and its deadline, the editor's answer, and the clocks both sides see.
//!
//! Pure: the calendar, today's date and the item's current status are parameters.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::calendar::{CalendarHistory, Milestone};
use crate::candidature::CandidatureState;
use crate::events::EventKind;
use crate::proof::ProofStatus;

/// What an instructeur decides on one proof item. Each comes with a motivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemDecision {
    Validate,
    Reject,
    RequestComplement,
}

impl ItemDecision {
    pub const ALL: [ItemDecision; 3] = [Self::Validate, Self::Reject, Self::RequestComplement];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Reject => "reject",
            Self::RequestComplement => "request_complement",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    "decision",
                    format!("« {s} » : décision inconnue (validate, reject, request_complement)"),
                )
            })
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Validate => "Valider",
            Self::Reject => "Refuser",
            Self::RequestComplement => "Demander un complément",
        }
    }

    /// The item's status after the decision.
    pub fn status(self) -> ProofStatus {
        match self {
            Self::Validate => ProofStatus::Validated,
            Self::Reject => ProofStatus::Rejected,
            Self::RequestComplement => ProofStatus::ComplementRequested,
        }
    }

    /// The history row's kind (`proof_reviews.kind`): the status name.
    pub fn review_kind(self) -> &'static str {
        self.status().as_str()
    }

    /// The event told to the editor.
    pub fn event(self) -> EventKind {
        match self {
            Self::Validate => EventKind::ProofValidated,
            Self::Reject => EventKind::ProofRejected,
            Self::RequestComplement => EventKind::ComplementRequested,
        }
    }
}

/// Why a decision on an item, or an answer, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstructionError {
    #[error("la candidature est « {} » : les preuves ne s'instruisent qu'en instruction", .0.label_fr())]
    NotInInstruction(CandidatureState),
    #[error("la preuve n'a pas été déposée : rien à instruire")]
    NothingDeposited,
    #[error("la preuve est « {} » : {}", .0.label_fr(), .1)]
    WrongStatus(ProofStatus, &'static str),
    #[error(transparent)]
    Invalid(#[from] ParseError),
}

/// Checks a decision on an item whose deposit is `current`, in a candidature in `state`.
/// Only a deposited item awaiting review (deposited, under review) can be decided; a decision
/// taken is final until the editor deposits again (a new version).
pub fn check_item_decision(
    state: CandidatureState,
    current: Option<ProofStatus>,
    decision: ItemDecision,
) -> Result<ProofStatus, InstructionError> {
    if state != CandidatureState::InInstruction {
        return Err(InstructionError::NotInInstruction(state));
    }
    match current {
        None | Some(ProofStatus::ToDeposit) => Err(InstructionError::NothingDeposited),
        Some(ProofStatus::Deposited | ProofStatus::UnderReview) => Ok(decision.status()),
        Some(s @ ProofStatus::ComplementRequested) => Err(InstructionError::WrongStatus(
            s,
            "la réponse de l'éditeur est attendue",
        )),
        Some(s @ ProofStatus::Rejected) => Err(InstructionError::WrongStatus(
            s,
            "un nouveau dépôt de l'éditeur est attendu",
        )),
        Some(s @ ProofStatus::Validated) => Err(InstructionError::WrongStatus(
            s,
            "la décision est déjà prise",
        )),
        Some(
            s @ (ProofStatus::Inherited | ProofStatus::Equivalent | ProofStatus::NotApplicable),
        ) => Err(InstructionError::WrongStatus(
            s,
            "aucun dépôt n'est attendu",
        )),
    }
}

/// The default answer deadline of a complement request: `today` plus the LIF-06 delay
/// [default: 5 calendar days], never after D3.
pub fn default_complement_due(
    calendars: &CalendarHistory,
    today: Date,
    unanswered_days: u32,
) -> Date {
    let due = today
        .checked_add(jiff::Span::new().days(i64::from(unanswered_days)))
        .unwrap_or(today);
    match d3(calendars, today) {
        Some(d3) if due > d3 => d3.max(today),
        _ => due,
    }
}

fn d3(calendars: &CalendarHistory, on: Date) -> Option<Date> {
    calendars
        .in_force(on)
        .and_then(|c| c.date(Milestone::D3))
        .map(|d| d.date())
}

/// Checks a complement request opened on `today` with an answer due on `due_on`: LIF-07 (no
/// request after D3 of the calendar in force), the due date not in the past nor after D3
/// (exchanges are allowed until D3). A calendar without D3 sets no limit.
pub fn check_complement_request(
    calendars: &CalendarHistory,
    today: Date,
    due_on: Date,
) -> Result<(), ParseError> {
    if due_on < today {
        return Err(ParseError::new(
            "due_on",
            format!("échéance du {due_on} déjà passée (aujourd'hui : {today})"),
        ));
    }
    if let Some(d3) = d3(calendars, today) {
        if today > d3 {
            return Err(ParseError::new(
                "decision",
                format!(
                    "D3 ({d3}) est passée : aucune nouvelle demande de complément ne peut être \
                     ouverte (LIF-07)"
                ),
            ));
        }
        if due_on > d3 {
            return Err(ParseError::new(
                "due_on",
                format!(
                    "échéance du {due_on} postérieure à D3 ({d3}) : les échanges sont clos à D3 \
                     (LIF-07)"
                ),
            ));
        }
    }
    Ok(())
}

/// Checks an editor's answer to the item's request: only an item whose complement is requested
/// or which was rejected can be answered.
pub fn check_answer(
    state: CandidatureState,
    current: Option<ProofStatus>,
) -> Result<(), InstructionError> {
    if state != CandidatureState::InInstruction {
        return Err(InstructionError::NotInInstruction(state));
    }
    match current {
        Some(ProofStatus::ComplementRequested | ProofStatus::Rejected) => Ok(()),
        // A re-deposit already put the item back to "deposited": the answer comes with it.
        Some(ProofStatus::Deposited) => Ok(()),
        None | Some(ProofStatus::ToDeposit) => Err(InstructionError::NothingDeposited),
        Some(s) => Err(InstructionError::WrongStatus(
            s,
            "aucune demande de l'ANS n'attend de réponse",
        )),
    }
}

/// One clock shown on a candidature, to the editor and to the ANS alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Stable name: `d2`, `d3`, `complement_due`.
    pub name: String,
    pub label_fr: String,
    pub due_on: Date,
    /// Whole days from today (0 on the day, negative once passed).
    pub days_left: i64,
    /// The rule that sets the deadline.
    pub rule: &'static str,
}

/// The deadlines of a candidature on `today`: D2 (LIF-05), D3 (LIF-07), and the earliest
/// answer due of its open complement requests (LIF-06).
pub fn clocks(
    calendars: &CalendarHistory,
    today: Date,
    open_complement_due: Option<Date>,
) -> Vec<Clock> {
    let mut out = Vec::new();
    let cal = calendars.in_force(today);
    let mut push = |name: &str, label: &str, on: Date, rule: &'static str| {
        out.push(Clock {
            name: name.into(),
            label_fr: label.into(),
            due_on: on,
            days_left: days_between(today, on),
            rule,
        });
    };
    if let Some(d2) = cal.and_then(|c| c.date(Milestone::D2)) {
        push("d2", "Dossier complet (D2)", d2.date(), "LIF-05");
    }
    if let Some(d3) = cal.and_then(|c| c.date(Milestone::D3)) {
        push("d3", "Fin des échanges (D3)", d3.date(), "LIF-07");
    }
    if let Some(due) = open_complement_due {
        push(
            "complement_due",
            "Réponse au complément demandé",
            due,
            "LIF-06",
        );
    }
    out
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until((jiff::Unit::Day, to))
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0)
}

/// LIF-06: whether a complement requested on `requested_on` and still unanswered on `today`
/// delays the instruction (more than `limit_days` calendar days [default 5]).
pub fn is_delayed(requested_on: Date, today: Date, limit_days: u32) -> bool {
    days_between(requested_on, today) > i64::from(limit_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Arrete, Calendar};
    use crate::catalogue::DispositifCode;
    use jiff::civil::date;
    use std::collections::BTreeMap;

    fn history(d2: Date, d3: Date) -> CalendarHistory {
        let mut dates = BTreeMap::new();
        dates.insert(Milestone::D2, d2.at(23, 59, 59, 0));
        dates.insert(Milestone::D3, d3.at(23, 59, 59, 0));
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
    fn decisions_only_on_deposited_items_in_instruction() {
        use CandidatureState as S;
        use ItemDecision as D;
        use ProofStatus as P;
        assert_eq!(
            check_item_decision(S::InInstruction, Some(P::Deposited), D::Validate),
            Ok(P::Validated)
        );
        assert_eq!(
            check_item_decision(S::InInstruction, Some(P::UnderReview), D::RequestComplement),
            Ok(P::ComplementRequested)
        );
        assert_eq!(
            check_item_decision(S::Complete, Some(P::Deposited), D::Validate),
            Err(InstructionError::NotInInstruction(S::Complete))
        );
        assert_eq!(
            check_item_decision(S::InInstruction, None, D::Reject),
            Err(InstructionError::NothingDeposited)
        );
        for s in [
            P::Validated,
            P::ComplementRequested,
            P::Rejected,
            P::Inherited,
        ] {
            let e = check_item_decision(S::InInstruction, Some(s), D::Validate).unwrap_err();
            assert!(
                matches!(e, InstructionError::WrongStatus(x, _) if x == s),
                "{e}"
            );
        }
    }

    #[test]
    fn lif_07_no_complement_request_after_d3() {
        let h = history(date(2026, 6, 30), date(2026, 9, 30));
        assert!(check_complement_request(&h, date(2026, 9, 30), date(2026, 9, 30)).is_ok());
        let e = check_complement_request(&h, date(2026, 10, 1), date(2026, 10, 6)).unwrap_err();
        assert!(e.reason.contains("LIF-07"), "{e}");
        let e = check_complement_request(&h, date(2026, 9, 28), date(2026, 10, 3)).unwrap_err();
        assert_eq!(e.field, "due_on");
        assert!(e.reason.contains("LIF-07"), "{e}");
        let e = check_complement_request(&h, date(2026, 9, 1), date(2026, 8, 1)).unwrap_err();
        assert_eq!(e.field, "due_on");
        // No calendar: no D3 limit.
        assert!(
            check_complement_request(
                &CalendarHistory::default(),
                date(2030, 1, 1),
                date(2030, 1, 6)
            )
            .is_ok()
        );
    }

    #[test]
    fn lif_06_default_due_is_five_days_capped_at_d3() {
        let h = history(date(2026, 6, 30), date(2026, 9, 30));
        assert_eq!(
            default_complement_due(&h, date(2026, 9, 1), 5),
            date(2026, 9, 6)
        );
        assert_eq!(
            default_complement_due(&h, date(2026, 9, 28), 5),
            date(2026, 9, 30)
        );
    }

    #[test]
    fn lif_06_delayed_after_more_than_five_days() {
        assert!(!is_delayed(date(2026, 9, 1), date(2026, 9, 6), 5));
        assert!(is_delayed(date(2026, 9, 1), date(2026, 9, 7), 5));
    }

    #[test]
    fn answers_only_to_open_requests() {
        use CandidatureState as S;
        use ProofStatus as P;
        assert!(check_answer(S::InInstruction, Some(P::ComplementRequested)).is_ok());
        assert!(check_answer(S::InInstruction, Some(P::Rejected)).is_ok());
        assert!(check_answer(S::InInstruction, Some(P::Validated)).is_err());
        assert!(check_answer(S::Referenced, Some(P::ComplementRequested)).is_err());
    }

    #[test]
    fn clocks_show_d2_d3_and_the_answer_due_with_days_left() {
        let h = history(date(2026, 6, 30), date(2026, 9, 30));
        let c = clocks(&h, date(2026, 9, 1), Some(date(2026, 9, 6)));
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["d2", "d3", "complement_due"]);
        assert_eq!(c[0].days_left, -63);
        assert_eq!(c[1].days_left, 29);
        assert_eq!(c[2].days_left, 5);
        assert_eq!(c[2].rule, "LIF-06");
    }
}
