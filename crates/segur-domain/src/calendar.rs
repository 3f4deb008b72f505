//! SONS calendars: dates D0–D6 per dispositif, versioned by arrêté (CAL-01, CAL-02).
//!
//! Dates are Europe/Paris civil date-times; [`Milestone`] instants are obtained with
//! [`Calendar::instant`]. A milestone given as a bare date means the end of that day in Paris
//! (23:59:59) [default], since the texts say "au plus tard le …".

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::catalogue::DispositifCode;

/// The time zone of every SONS date.
pub fn paris() -> TimeZone {
    // The bundled tzdb always has Europe/Paris; fall back to a fixed +01:00 only if a
    // broken build lacks it, rather than panicking.
    TimeZone::get("Europe/Paris").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(1)))
}

/// The seven dates of a SONS calendar (CAL-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Milestone {
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
}

impl Milestone {
    pub const ALL: [Milestone; 7] = [
        Milestone::D0,
        Milestone::D1,
        Milestone::D2,
        Milestone::D3,
        Milestone::D4,
        Milestone::D5,
        Milestone::D6,
    ];

    pub fn label_fr(self) -> &'static str {
        match self {
            Milestone::D0 => "Publication de l'arrêté (commandes au plus tôt)",
            Milestone::D1 => "Dépôt de la candidature administrative",
            Milestone::D2 => "Dépôt du dossier complet des preuves",
            Milestone::D3 => "Fin des échanges ANS – éditeurs",
            Milestone::D4 => "Fin des dépôts de demandes d'avance",
            Milestone::D5 => "Fin de réalisation des prestations",
            Milestone::D6 => "Fin des dépôts de demandes de solde",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Milestone::D0 => "Arrêté published (earliest order)",
            Milestone::D1 => "Administrative candidature",
            Milestone::D2 => "Complete proof dossier",
            Milestone::D3 => "End of ANS–editor exchanges",
            Milestone::D4 => "End of advance requests",
            Milestone::D5 => "End of prestations",
            Milestone::D6 => "End of balance requests",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::D0 => "D0",
            Milestone::D1 => "D1",
            Milestone::D2 => "D2",
            Milestone::D3 => "D3",
            Milestone::D4 => "D4",
            Milestone::D5 => "D5",
            Milestone::D6 => "D6",
        }
    }
}

/// The arrêté that set or amended a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arrete {
    /// Human reference, e.g. "Arrêté du 8 juin 2026 modifiant l'arrêté du 30 avril 2025".
    pub title: String,
    pub signed_on: Date,
    /// Publication in the Journal officiel: the version is in force from this date (CAL-02).
    pub published_on: Date,
}

/// One version of a dispositif's calendar, as set by one arrêté.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    pub dispositif: DispositifCode,
    pub arrete: Arrete,
    /// Dates in Europe/Paris civil time. A milestone may be absent when the text did not set it.
    pub dates: BTreeMap<Milestone, DateTime>,
}

impl Calendar {
    pub fn date(&self, m: Milestone) -> Option<DateTime> {
        self.dates.get(&m).copied()
    }

    /// The instant of a milestone in Europe/Paris.
    pub fn instant(&self, m: Milestone) -> Option<jiff::Timestamp> {
        let dt = self.date(m)?;
        paris()
            .to_ambiguous_zoned(dt)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    }

    /// Whole calendar days from `today` to the milestone's date (negative once passed).
    pub fn days_until(&self, m: Milestone, today: Date) -> Option<i64> {
        let d = self.date(m)?.date();
        let span = today.until((jiff::Unit::Day, d)).ok()?;
        Some(i64::from(span.get_days()))
    }
}

/// Parses a milestone given as `YYYY-MM-DD` (end of day) or `YYYY-MM-DDTHH:MM[:SS]`.
pub fn parse_milestone_datetime(s: &str) -> Result<DateTime, crate::ParseError> {
    let s = s.trim();
    if s.len() == 10
        && let Ok(d) = s.parse::<Date>()
    {
        return Ok(d.at(23, 59, 59, 0));
    }
    s.parse::<DateTime>().map_err(|_| {
        crate::ParseError::new(
            "date",
            format!("« {s} » : date attendue AAAA-MM-JJ ou AAAA-MM-JJTHH:MM (heure de Paris)"),
        )
    })
}

/// Every version of one dispositif's calendar, oldest first (CAL-02: history stays visible).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalendarHistory {
    pub versions: Vec<Calendar>,
}

impl CalendarHistory {
    pub fn new(mut versions: Vec<Calendar>) -> Self {
        versions.sort_by_key(|c| c.arrete.published_on);
        Self { versions }
    }

    /// The calendar in force on `on`: the latest version published on or before that date;
    /// before the first publication, the first version (the original arrêté) applies.
    pub fn in_force(&self, on: Date) -> Option<&Calendar> {
        self.versions
            .iter()
            .rev()
            .find(|c| c.arrete.published_on <= on)
            .or_else(|| self.versions.first())
    }

    /// The latest version.
    pub fn current(&self) -> Option<&Calendar> {
        self.versions.last()
    }

    /// For each milestone, the dates it has had across versions (amendment history).
    pub fn changes(&self) -> Vec<(Milestone, Vec<(DateTime, &Arrete)>)> {
        Milestone::ALL
            .iter()
            .map(|m| {
                let mut seen: Vec<(DateTime, &Arrete)> = Vec::new();
                for c in &self.versions {
                    if let Some(d) = c.date(*m)
                        && seen.last().map(|(p, _)| *p != d).unwrap_or(true)
                    {
                        seen.push((d, &c.arrete));
                    }
                }
                (*m, seen)
            })
            .collect()
    }
}

/// The built-in calendars: the MDV va2 arrêté of 30 April 2025 and its amendment of
/// 8 June 2026 (JO of 11 June 2026), as listed in seed 001 and CAL-02. D0 of the original
/// arrêté is not public (Q11): it is set to the signature date and flagged as such in the
/// arrêté title. D1 had passed and is not restated by seed 001: it is left unset.
pub fn builtin_mdv_va2() -> CalendarHistory {
    let code = DispositifCode::parse("MDV-LGC-Va2").expect("valid builtin code");
    let d = |y: i16, m: i8, day: i8| jiff::civil::date(y, m, day).at(23, 59, 59, 0);
    let original = Calendar {
        dispositif: code.clone(),
        arrete: Arrete {
            title: "Arrêté du 30 avril 2025 relatif au programme de financement SONS vague 2 médecine de ville (D0 : date de signature, la date de publication n'est pas connue)".into(),
            signed_on: jiff::civil::date(2025, 4, 30),
            published_on: jiff::civil::date(2025, 4, 30),
        },
        dates: BTreeMap::from([
            (Milestone::D0, d(2025, 4, 30)),
            (Milestone::D2, d(2026, 7, 22)),
            (Milestone::D3, d(2026, 10, 14)),
            (Milestone::D4, d(2026, 12, 16)),
            (Milestone::D5, d(2027, 7, 13)),
            (Milestone::D6, d(2027, 10, 13)),
        ]),
    };
    let mut amended = original.clone();
    amended.arrete = Arrete {
        title: "Arrêté du 8 juin 2026 modifiant l'arrêté du 30 avril 2025 (JO du 11 juin 2026)"
            .into(),
        signed_on: jiff::civil::date(2026, 6, 8),
        published_on: jiff::civil::date(2026, 6, 11),
    };
    amended.dates.insert(Milestone::D2, d(2027, 1, 20));
    amended.dates.insert(Milestone::D3, d(2027, 4, 6));
    amended.dates.insert(Milestone::D4, d(2027, 7, 16));
    amended.dates.insert(Milestone::D5, d(2028, 1, 20));
    amended.dates.insert(Milestone::D6, d(2028, 4, 13));
    CalendarHistory::new(vec![original, amended])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cal_02_mdv_amendment_applies_from_its_publication() {
        let h = builtin_mdv_va2();
        let before = h.in_force(jiff::civil::date(2026, 6, 10)).unwrap();
        assert_eq!(
            before.date(Milestone::D2).unwrap().date(),
            jiff::civil::date(2026, 7, 22)
        );
        let after = h.in_force(jiff::civil::date(2026, 6, 11)).unwrap();
        assert_eq!(
            after.date(Milestone::D2).unwrap().date(),
            jiff::civil::date(2027, 1, 20)
        );
        assert_eq!(
            after.date(Milestone::D6).unwrap().date(),
            jiff::civil::date(2028, 4, 13)
        );
        // History keeps both D2 values.
        let changes = h.changes();
        let d2 = &changes.iter().find(|(m, _)| *m == Milestone::D2).unwrap().1;
        assert_eq!(d2.len(), 2);
        let d0 = &changes.iter().find(|(m, _)| *m == Milestone::D0).unwrap().1;
        assert_eq!(d0.len(), 1);
    }

    #[test]
    fn cal_01_instants_are_in_paris_time() {
        let h = builtin_mdv_va2();
        let c = h.current().unwrap();
        // 20/01/2027 23:59:59 in Paris is 22:59:59 UTC (winter time).
        assert_eq!(
            c.instant(Milestone::D2).unwrap().to_string(),
            "2027-01-20T22:59:59Z"
        );
        assert_eq!(
            c.days_until(Milestone::D2, jiff::civil::date(2027, 1, 10)),
            Some(10)
        );
        assert_eq!(
            c.days_until(Milestone::D2, jiff::civil::date(2027, 1, 21)),
            Some(-1)
        );
    }

    #[test]
    fn milestone_parsing_accepts_date_or_datetime() {
        assert_eq!(
            parse_milestone_datetime("2027-01-20").unwrap().time(),
            jiff::civil::time(23, 59, 59, 0)
        );
        assert_eq!(
            parse_milestone_datetime("2027-01-20T12:00").unwrap().time(),
            jiff::civil::time(12, 0, 0, 0)
        );
        assert!(parse_milestone_datetime("20/01/2027").is_err());
    }
}
