//! Notifications: who is told of a domain event, in which words (French first, English
//! second), and which deadline reminders are due on a given day.
//!
//! Pure: the store fans events out to the people concerned and the server sends the e-mails;
//! both ask this module what to say. No clock: "today" is a parameter.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::catalogue::ProofItemKey;
use crate::events::{DomainEvent, EventKind};

/// The language of a person's notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "fr" => Ok(Self::Fr),
            "en" => Ok(Self::En),
            other => Err(ParseError::new(
                "language",
                format!("« {other} » : langue inconnue (fr ou en)"),
            )),
        }
    }
}

/// How a person receives e-mails. [default] `Immediate`: one e-mail per notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    /// One e-mail per notification, as soon as the worker sees it.
    #[default]
    Immediate,
    /// One e-mail a day listing the day's notifications.
    DailyDigest,
    /// No e-mail; the in-app list only.
    Off,
}

impl EmailMode {
    pub const ALL: [EmailMode; 3] = [Self::Immediate, Self::DailyDigest, Self::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::DailyDigest => "daily_digest",
            Self::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "email_mode",
                    format!("« {s} » : mode inconnu (immediate, daily_digest ou off)"),
                )
            })
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Immediate => "Un courriel par notification",
            Self::DailyDigest => "Un récapitulatif par jour",
            Self::Off => "Aucun courriel (notifications dans l'application seulement)",
        }
    }
}

/// A person's notification settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preferences {
    pub email_mode: EmailMode,
    pub language: Language,
}

/// Whose people an event concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The accounts of the editor organisation the event is about.
    Editor,
    /// The ANS agent in charge of the candidature, or every instructeur and référent when
    /// nobody is assigned.
    Ans,
}

/// Who is told of an event: the editor of what the ANS did, the ANS of what the editor did.
pub fn audience(kind: EventKind) -> Audience {
    if kind.tells_editor() {
        Audience::Editor
    } else {
        Audience::Ans
    }
}

/// Whether an event of this kind is also sent by e-mail (the others stay in the in-app list,
/// they would be noise in a mailbox): complement requested, answer received, decisions,
/// messages, rejections. [default]
pub fn sends_email(kind: EventKind) -> bool {
    !matches!(
        kind,
        EventKind::ProofValidated | EventKind::CandidatureStateChanged
    )
}

/// A notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One line, also the e-mail subject.
    pub subject: String,
    /// Plain text, a few lines.
    pub body: String,
}

fn item_text(item: Option<&ProofItemKey>, lang: Language) -> String {
    match (item, lang) {
        (Some(k), Language::Fr) => format!(" (exigence {k})"),
        (Some(k), Language::En) => format!(" (requirement {k})"),
        (None, _) => String::new(),
    }
}

/// The words of an event for one recipient.
pub fn render_event(event: &DomainEvent, lang: Language) -> Message {
    let cand = event.candidature_id.as_deref().unwrap_or("—");
    let item = item_text(event.proof_item.as_ref(), lang);
    let label = match lang {
        Language::Fr => event.kind.label_fr(),
        Language::En => event.kind.label_en(),
    };
    let subject = match lang {
        Language::Fr => format!("[segur] {label} — candidature {cand}{item}"),
        Language::En => format!("[segur] {label} — candidature {cand}{item}"),
    };
    let mut body = match lang {
        Language::Fr => format!("{label} pour la candidature {cand}{item}."),
        Language::En => format!("{label} for candidature {cand}{item}."),
    };
    if !event.detail.trim().is_empty() {
        body.push_str(match lang {
            Language::Fr => "\n\nDétail : ",
            Language::En => "\n\nDetail: ",
        });
        body.push_str(event.detail.trim());
    }
    if let Some(due) = event.due_on {
        body.push_str(&match lang {
            Language::Fr => format!("\n\nÉchéance : {}", date_fr(due)),
            Language::En => format!("\n\nDue on: {due}"),
        });
    }
    if let Some(nru) = &event.nru {
        body.push_str(&match lang {
            Language::Fr => format!("\n\nNuméro de référencement (NRU) : {nru}"),
            Language::En => format!("\n\nReferencing number (NRU): {nru}"),
        });
    }
    Message { subject, body }
}

/// `22/07/2026`, as French readers write dates.
pub fn date_fr(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// A deadline the editor must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// The answer to a complement request (LIF-06 counts from the request).
    ComplementAnswer,
    /// The complete deposit, D2 of the dispositif's calendar (LIF-05).
    CompleteDeposit,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ComplementAnswer => "complement_answer",
            Self::CompleteDeposit => "complete_deposit",
        }
    }
}

/// One deadline of one candidature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub organisation_id: String,
    pub candidature_id: String,
    pub proof_item: Option<ProofItemKey>,
    pub due_on: Date,
    /// When the deadline was told (the complement request's date): steps it already fell
    /// within are not reminded, the request itself said the date.
    pub announced_on: Option<Date>,
}

/// Days before a deadline on which the editor is reminded. [default] 7, 2 and 1 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPolicy {
    days_before: Vec<i32>,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        // Sorted ascending, as `new` keeps them: the tightest step reached is found first.
        Self {
            days_before: vec![1, 2, 7],
        }
    }
}

impl ReminderPolicy {
    /// Positive day counts, at most 10 of them, each at most 366; sorted, duplicates dropped.
    pub fn new(mut days_before: Vec<i32>) -> Result<Self, ParseError> {
        if days_before.is_empty() || days_before.len() > 10 {
            return Err(ParseError::new(
                "reminder_days",
                "entre 1 et 10 rappels attendus (jours avant l'échéance)",
            ));
        }
        if let Some(d) = days_before.iter().find(|d| !(1..=366).contains(*d)) {
            return Err(ParseError::new(
                "reminder_days",
                format!("{d} : un rappel se donne entre 1 et 366 jours avant l'échéance"),
            ));
        }
        days_before.sort_unstable();
        days_before.dedup();
        Ok(Self { days_before })
    }

    /// `7,2,1` → the policy.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let days = s
            .split(',')
            .map(|p| {
                p.trim().parse::<i32>().map_err(|_| {
                    ParseError::new(
                        "reminder_days",
                        format!("« {} » : nombre de jours attendu", p.trim()),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(days)
    }

    pub fn days_before(&self) -> &[i32] {
        &self.days_before
    }
}

/// A reminder due today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub deadline: Deadline,
    /// The policy's step this reminder stands for (7, 2 or 1 by default).
    pub step: i32,
    /// Days left on the day it is computed (≤ `step`).
    pub days_left: i32,
}

impl Reminder {
    /// Identifies the reminder so that it is given once per person, whatever the number of
    /// runs: the deadline, its date and the step.
    pub fn key(&self) -> String {
        let d = &self.deadline;
        let item = d
            .proof_item
            .as_ref()
            .map(|k| format!("{}/{}/{}", k.requirement, k.scenario, k.proof))
            .unwrap_or_default();
        format!(
            "reminder:{}:{}:{}:{}:J-{}",
            d.kind.as_str(),
            d.candidature_id,
            item,
            d.due_on,
            self.step
        )
    }

    pub fn render(&self, lang: Language) -> Message {
        let d = &self.deadline;
        let item = item_text(d.proof_item.as_ref(), lang);
        let cand = &d.candidature_id;
        let (what_fr, what_en) = match d.kind {
            DeadlineKind::ComplementAnswer => (
                "Réponse à la demande de complément attendue",
                "Answer to the complement request due",
            ),
            DeadlineKind::CompleteDeposit => (
                "Dépôt complet du dossier attendu avant D2 (LIF-05)",
                "Complete deposit due before D2 (LIF-05)",
            ),
        };
        match lang {
            Language::Fr => Message {
                subject: format!(
                    "[segur] Échéance dans {} jour{} — candidature {cand}{item}",
                    self.days_left,
                    if self.days_left > 1 { "s" } else { "" }
                ),
                body: format!(
                    "{what_fr} pour la candidature {cand}{item}.\n\nÉchéance : {} (dans {} jour{}).",
                    date_fr(d.due_on),
                    self.days_left,
                    if self.days_left > 1 { "s" } else { "" }
                ),
            },
            Language::En => Message {
                subject: format!(
                    "[segur] Deadline in {} day{} — candidature {cand}{item}",
                    self.days_left,
                    if self.days_left > 1 { "s" } else { "" }
                ),
                body: format!(
                    "{what_en} for candidature {cand}{item}.\n\nDue on: {} (in {} day{}).",
                    d.due_on,
                    self.days_left,
                    if self.days_left > 1 { "s" } else { "" }
                ),
            },
        }
    }
}

/// The reminders due `today`: for each deadline still ahead, the tightest step it has
/// reached (7 days left or fewer → the 7-day reminder, 2 or fewer → the 2-day one…). A worker
/// that did not run on the very day still reminds, once per step reached; a deadline first
/// seen 1 day ahead gets the 1-day reminder only, not three at once. Past deadlines get none
/// (LIF-06 flags the delay instead). A deadline announced with 5 days left is not reminded
/// at the 7-day step: the announcement said it.
pub fn reminders_due(
    today: Date,
    deadlines: &[Deadline],
    policy: &ReminderPolicy,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for d in deadlines {
        let Ok(span) = today.until(d.due_on) else {
            continue;
        };
        let days_left = span.get_days();
        if days_left < 1 {
            continue;
        }
        let days_at_announcement = d
            .announced_on
            .and_then(|a| a.until(d.due_on).ok())
            .map(|s| s.get_days());
        if let Some(step) = policy
            .days_before()
            .iter()
            .copied()
            .find(|step| days_left <= *step)
            .filter(|step| days_at_announcement.is_none_or(|at| at > *step))
        {
            out.push(Reminder {
                deadline: d.clone(),
                step,
                days_left,
            });
        }
    }
    out
}

/// One line of a daily digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub subject: String,
    pub link: Option<String>,
}

/// The daily digest of `day`.
pub fn render_digest(day: Date, lines: &[DigestLine], lang: Language) -> Message {
    let n = lines.len();
    let mut body = match lang {
        Language::Fr => format!("Vos notifications segur du {} ({n}) :\n", date_fr(day)),
        Language::En => format!("Your segur notifications of {day} ({n}):\n"),
    };
    for l in lines {
        body.push_str("\n- ");
        body.push_str(l.subject.trim_start_matches("[segur] "));
        if let Some(link) = &l.link {
            body.push_str("\n  ");
            body.push_str(link);
        }
    }
    Message {
        subject: match lang {
            Language::Fr => format!(
                "[segur] Récapitulatif du {} : {n} notification{}",
                date_fr(day),
                if n > 1 { "s" } else { "" }
            ),
            Language::En => format!(
                "[segur] Digest of {day}: {n} notification{}",
                if n > 1 { "s" } else { "" }
            ),
        },
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn deadline(due: Date) -> Deadline {
        Deadline {
            kind: DeadlineKind::ComplementAnswer,
            organisation_id: "ed-x".into(),
            candidature_id: "c1".into(),
            proof_item: None,
            due_on: due,
            announced_on: None,
        }
    }

    #[test]
    fn reminders_fire_at_7_2_and_1_days_once_per_step() {
        let policy = ReminderPolicy::default();
        let due = date(2026, 12, 20);
        let at = |today: Date| {
            reminders_due(today, &[deadline(due)], &policy)
                .into_iter()
                .map(|r| (r.step, r.days_left))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(date(2026, 12, 12)), vec![]);
        assert_eq!(at(date(2026, 12, 13)), vec![(7, 7)]);
        // Still the 7-day step until 2 days are left: the same key, so given once.
        assert_eq!(at(date(2026, 12, 15)), vec![(7, 5)]);
        assert_eq!(at(date(2026, 12, 18)), vec![(2, 2)]);
        assert_eq!(at(date(2026, 12, 19)), vec![(1, 1)]);
        assert_eq!(at(date(2026, 12, 20)), vec![]);
        assert_eq!(at(date(2026, 12, 21)), vec![]);
        let a = &reminders_due(date(2026, 12, 13), &[deadline(due)], &policy)[0];
        let b = &reminders_due(date(2026, 12, 15), &[deadline(due)], &policy)[0];
        assert_eq!(a.key(), b.key());
        let c = &reminders_due(date(2026, 12, 18), &[deadline(due)], &policy)[0];
        assert_ne!(a.key(), c.key());
    }

    #[test]
    fn a_deadline_announced_within_a_step_skips_that_step() {
        let policy = ReminderPolicy::default();
        let mut d = deadline(date(2026, 12, 20));
        d.announced_on = Some(date(2026, 12, 15));
        let at = |today: Date| {
            reminders_due(today, std::slice::from_ref(&d), &policy)
                .into_iter()
                .map(|r| r.step)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(date(2026, 12, 15)), Vec::<i32>::new());
        assert_eq!(at(date(2026, 12, 16)), Vec::<i32>::new());
        assert_eq!(at(date(2026, 12, 18)), vec![2]);
        assert_eq!(at(date(2026, 12, 19)), vec![1]);
    }

    #[test]
    fn reminder_policy_is_configurable_and_checked() {
        assert_eq!(
            ReminderPolicy::default(),
            ReminderPolicy::parse("7,2,1").unwrap()
        );
        let p = ReminderPolicy::parse("1, 14,3,3").unwrap();
        assert_eq!(p.days_before(), &[1, 3, 14]);
        assert!(ReminderPolicy::parse("").is_err());
        assert!(ReminderPolicy::parse("0").is_err());
        assert!(ReminderPolicy::parse("x").is_err());
        assert!(ReminderPolicy::parse("400").is_err());
        let r = reminders_due(date(2026, 12, 7), &[deadline(date(2026, 12, 17))], &p);
        assert_eq!(r[0].step, 14);
    }

    #[test]
    fn messages_are_french_first_with_an_english_variant() {
        let key = ProofItemKey {
            requirement: crate::catalogue::RequirementId::parse("SC.DOC.20").unwrap(),
            scenario: 1,
            proof: 2,
        };
        let e = DomainEvent::new(EventKind::ComplementRequested, "ed-x")
            .candidature("c1")
            .item(key)
            .detail("La capture ne montre pas la version.")
            .due(date(2026, 12, 14));
        let fr = render_event(&e, Language::Fr);
        assert!(fr.subject.contains("Complément demandé"), "{}", fr.subject);
        assert!(fr.subject.contains("SC.DOC.20 / S1 / P2"));
        assert!(fr.body.contains("La capture ne montre pas la version."));
        assert!(fr.body.contains("14/12/2026"));
        let en = render_event(&e, Language::En);
        assert!(
            en.subject.contains("Complement requested"),
            "{}",
            en.subject
        );
        assert!(en.body.contains("Due on: 2026-12-14"));
        let r = &reminders_due(
            date(2026, 12, 13),
            &[deadline(date(2026, 12, 14))],
            &ReminderPolicy::default(),
        )[0];
        assert!(r.render(Language::Fr).subject.contains("dans 1 jour "));
        assert!(r.render(Language::En).subject.contains("in 1 day "));
        let digest = render_digest(
            date(2026, 12, 7),
            &[DigestLine {
                subject: fr.subject.clone(),
                link: Some("http://x/c".into()),
            }],
            Language::Fr,
        );
        assert!(digest.subject.contains("07/12/2026"));
        assert!(digest.body.contains("Complément demandé"));
        assert!(digest.body.contains("http://x/c"));
    }

    #[test]
    fn the_ans_is_told_of_answers_and_the_editor_of_decisions() {
        assert_eq!(audience(EventKind::ComplementAnswered), Audience::Ans);
        assert_eq!(audience(EventKind::MessageFromEditor), Audience::Ans);
        assert_eq!(audience(EventKind::CandidatureReferred), Audience::Editor);
        assert!(sends_email(EventKind::ComplementRequested));
        assert!(sends_email(EventKind::CandidatureReferred));
        assert!(!sends_email(EventKind::ProofValidated));
    }

    #[test]
    fn preferences_parse() {
        assert_eq!(
            EmailMode::parse("daily_digest").unwrap(),
            EmailMode::DailyDigest
        );
        assert!(EmailMode::parse("weekly").is_err());
        assert_eq!(Language::parse("en").unwrap(), Language::En);
        assert!(Language::parse("de").is_err());
    }
}
