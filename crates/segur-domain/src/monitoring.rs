//! Monitoring of the *plan de sécurisation* (DEP-01, DEP-02) and of the instruction's
//! throughput, from counts the store computes in SQL.
//!
//! Pure: the caller gives the counts, the calendars and the date; nothing here reads the clock
//! or a database. Every figure is documented in `docs/monitoring.md`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::candidature::CandidatureState;
use crate::catalogue::DispositifCode;
use crate::rules::{Dep01Counting, Risk, Settings, dep_02_risk_of};

/// An ISO 8601 week (`2026-W30`): weeks start on Monday, week 1 holds the year's first
/// Thursday, so the last days of December may belong to week 1 of the next year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IsoWeek {
    pub year: i16,
    pub week: i8,
}

impl IsoWeek {
    pub fn of(d: Date) -> Self {
        let w = d.iso_week_date();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// Its Monday.
    pub fn monday(self) -> Option<Date> {
        jiff::civil::ISOWeekDate::new(self.year, self.week, jiff::civil::Weekday::Monday)
            .ok()
            .map(|w| w.date())
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

/// A calendar month (`2026-07`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl Month {
    pub fn of(d: Date) -> Self {
        Self {
            year: d.year(),
            month: d.month(),
        }
    }

    /// Parses `YYYY-MM` (or the first 7 characters of a `YYYY-MM-DD` date).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.get(..7)?;
        let (y, m) = s.split_once('-')?;
        let year: i16 = y.parse().ok()?;
        let month: i8 = m.parse().ok()?;
        jiff::civil::Date::new(year, month, 1).ok()?;
        Some(Self { year, month })
    }

    pub fn first_day(self) -> Option<Date> {
        Date::new(self.year, self.month, 1).ok()
    }

    /// Its last day.
    pub fn last_day(self) -> Option<Date> {
        self.first_day().map(|d| d.last_of_month())
    }

    /// The month before.
    pub fn previous(self) -> Self {
        if self.month <= 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// French label: « juillet 2026 ».
    pub fn label_fr(self) -> String {
        const NAMES: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let name = usize::try_from(self.month - 1)
            .ok()
            .and_then(|i| NAMES.get(i))
            .copied()
            .unwrap_or("?");
        format!("{name} {}", self.year)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The median of some values (mean of the two middle ones for an even count); `None` when
/// there is none. NaNs are ignored.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// Share of `part` in `whole` as a whole percentage rounded down; 100 when `whole` is 0
/// (nothing to deposit: nothing missing), as the proof plan counts it.
pub fn pct(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 100;
    }
    u32::try_from(part.min(whole) * 100 / whole).unwrap_or(100)
}

/// Items deposited by the DEP-01 checkpoint, under each counting of `dep01_counting`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointCounts {
    /// Deposited whatever the review status.
    pub any_status: u64,
    /// Deposited and not rejected.
    pub not_rejected: u64,
    pub validated: u64,
}

impl CheckpointCounts {
    pub fn get(&self, counting: Dep01Counting) -> u64 {
        match counting {
            Dep01Counting::AnyStatus => self.any_status,
            Dep01Counting::NotRejected => self.not_rejected,
            Dep01Counting::ValidatedOnly => self.validated,
        }
    }
}

/// One candidature's counts, as the store computes them in SQL (one row per candidature).
///
/// `to_deposit` counts the proof items of the applicable profiles (Général + selected, LIF-03)
/// without subtracting héritage or équivalence: the monitoring reads counts, not plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidatureCounts {
    pub candidature_id: String,
    pub organisation_id: String,
    pub editor_name: String,
    pub dispositif: String,
    /// Commercial names joined with " / " (the solution as the editor sells it).
    pub title: String,
    pub state: CandidatureState,
    /// Whether a heritage NRU is declared (DEP-01: no va1 minimum then).
    pub heritage: bool,
    pub to_deposit: u64,
    pub deposited: u64,
    pub validated: u64,
    /// Applicable items of profile Général, wave va2 / va1.
    pub general_va2_items: u64,
    pub general_va1_items: u64,
    /// Of those, deposited on or before the dispositif's DEP-01 checkpoint.
    pub general_va2_by_checkpoint: CheckpointCounts,
    pub general_va1_by_checkpoint: CheckpointCounts,
}

/// One wave's DEP-01 figure: deposited by the checkpoint, expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep01Figure {
    pub deposited: u64,
    pub expected: u64,
}

impl Dep01Figure {
    pub fn met(&self) -> bool {
        self.deposited >= self.expected
    }
}

/// One line of the DEP-01 report: a candidature at its dispositif's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep01Line {
    pub candidature_id: String,
    pub organisation_id: String,
    pub editor_name: String,
    pub dispositif: String,
    pub title: String,
    pub checkpoint: Date,
    pub general_va2: Dep01Figure,
    /// `None` with a heritage NRU: no va1 minimum.
    pub general_va1: Option<Dep01Figure>,
}

impl Dep01Line {
    pub fn met(&self) -> bool {
        self.general_va2.met() && self.general_va1.is_none_or(|f| f.met())
    }
}

/// DEP-01: every open candidature of a dispositif that has a checkpoint, with the Général va2
/// (and, without heritage, va1) items deposited by then against the minimum. As in the rule's
/// diagnostic, a candidature asked for fewer items than the minimum is expected to deposit
/// them all. Final candidatures (referenced, refused, withdrawn) are left out.
pub fn dep_01_report(counts: &[CandidatureCounts], settings: &Settings) -> Vec<Dep01Line> {
    let mut out = Vec::new();
    for c in counts {
        if c.state.is_final() {
            continue;
        }
        let Ok(code) = DispositifCode::parse(&c.dispositif) else {
            continue;
        };
        let s = settings.get(&code);
        let Some(checkpoint) = s.dep01_checkpoint else {
            continue;
        };
        let general_va2 = Dep01Figure {
            deposited: c.general_va2_by_checkpoint.get(s.dep01_counting),
            expected: u64::from(s.dep01_min_general_va2).min(c.general_va2_items),
        };
        let general_va1 = (!c.heritage).then(|| Dep01Figure {
            deposited: c.general_va1_by_checkpoint.get(s.dep01_counting),
            expected: u64::from(s.dep01_min_general_va1).min(c.general_va1_items),
        });
        out.push(Dep01Line {
            candidature_id: c.candidature_id.clone(),
            organisation_id: c.organisation_id.clone(),
            editor_name: c.editor_name.clone(),
            dispositif: c.dispositif.clone(),
            title: c.title.clone(),
            checkpoint,
            general_va2,
            general_va1,
        });
    }
    out
}

/// Items a candidature deposited in one month (by `deposited_on`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyDeposits {
    pub candidature_id: String,
    pub month: Month,
    pub deposited: u64,
}

/// How many months of deposits the DEP-02 projection averages [default: 3, the current one
/// included].
pub const PROJECTION_MONTHS: usize = 3;

/// The months shown in the DEP-02 report: the last [`PROJECTION_MONTHS`] up to `at`.
pub fn report_months(at: Date) -> Vec<Month> {
    let mut m = Month::of(at);
    let mut out = vec![m];
    while out.len() < PROJECTION_MONTHS {
        m = m.previous();
        out.push(m);
    }
    out.reverse();
    out
}

/// One line of the DEP-02 monthly report: an editor's solution (a candidature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep02Line {
    pub candidature_id: String,
    pub organisation_id: String,
    pub editor_name: String,
    pub dispositif: String,
    pub title: String,
    pub to_deposit: u64,
    pub deposited: u64,
    pub validated: u64,
    /// Actual deposit ratio (%) now.
    pub deposited_pct: u32,
    /// Actual deposit ratio (%) at the end of each of [`report_months`] (or at `at` for the
    /// current month), from the deposit dates.
    pub pct_by_month: Vec<(Month, u32)>,
    /// When the dossier would be complete at the recent pace (`None`: no deposit lately, or
    /// already complete).
    pub expected_complete_on: Option<Date>,
    pub d2: Option<Date>,
    /// Calendar days from `at` to D2 (negative once passed).
    pub days_to_d2: Option<i64>,
    pub risk: Risk,
}

/// DEP-02: each open candidature's actual deposit ratio, month by month, the expected date of
/// complete deposit at the pace of the last months, and its risk of missing D2 (thresholds of
/// `Settings::dep02_thresholds` per dispositif). `d2_of` gives the D2 in force for a dispositif
/// at `at`. A candidature without a D2 is classified as if D2 were far away (its risk then only
/// says whether it is complete).
pub fn dep_02_report(
    counts: &[CandidatureCounts],
    monthly: &[MonthlyDeposits],
    d2_of: &dyn Fn(&str) -> Option<Date>,
    at: Date,
    settings: &Settings,
) -> Vec<Dep02Line> {
    let months = report_months(at);
    let first = months.first().copied().unwrap_or_else(|| Month::of(at));
    let mut per_candidature: BTreeMap<&str, BTreeMap<Month, u64>> = BTreeMap::new();
    for m in monthly {
        *per_candidature
            .entry(m.candidature_id.as_str())
            .or_default()
            .entry(m.month)
            .or_default() += m.deposited;
    }
    let empty = BTreeMap::new();
    let window_start = first.first_day().unwrap_or(at);
    let window_days = window_start
        .until((jiff::Unit::Day, at))
        .map(|s| i64::from(s.get_days()) + 1)
        .unwrap_or(1)
        .max(1);
    let mut out = Vec::new();
    for c in counts {
        if c.state.is_final() {
            continue;
        }
        let by_month = per_candidature
            .get(c.candidature_id.as_str())
            .unwrap_or(&empty);
        // Deposits dated after `at` (clock skew, imports) count as of now, not in the past.
        let dated_until = |end: Month| -> u64 {
            by_month
                .iter()
                .filter(|(m, _)| **m <= end)
                .map(|(_, n)| *n)
                .sum()
        };
        let dated_total: u64 = by_month.values().sum();
        // Undated deposits (imported without a date) exist before any month shown.
        let undated = c.deposited.saturating_sub(dated_total);
        let pct_by_month = months
            .iter()
            .map(|m| (*m, pct(undated + dated_until(*m), c.to_deposit)))
            .collect();
        let recent: u64 = by_month
            .iter()
            .filter(|(m, _)| **m >= first && **m <= Month::of(at))
            .map(|(_, n)| *n)
            .sum();
        let remaining = c.to_deposit.saturating_sub(c.deposited);
        let expected_complete_on = if remaining == 0 || recent == 0 {
            None
        } else {
            // remaining / (recent / window_days), rounded up.
            let days = (remaining as u128 * window_days as u128).div_ceil(recent as u128);
            i64::try_from(days)
                .ok()
                .filter(|d| *d <= 365 * 50)
                .and_then(|d| at.checked_add(jiff::Span::new().days(d)).ok())
        };
        let d2 = d2_of(&c.dispositif);
        let days_to_d2 = d2.and_then(|d2| {
            at.until((jiff::Unit::Day, d2))
                .ok()
                .map(|s| i64::from(s.get_days()))
        });
        let thresholds = DispositifCode::parse(&c.dispositif)
            .map(|code| settings.get(&code).dep02_thresholds)
            .unwrap_or(settings.defaults.dep02_thresholds);
        let deposited_pct = pct(c.deposited, c.to_deposit);
        let risk = dep_02_risk_of(deposited_pct, days_to_d2.unwrap_or(i64::MAX), &thresholds);
        out.push(Dep02Line {
            candidature_id: c.candidature_id.clone(),
            organisation_id: c.organisation_id.clone(),
            editor_name: c.editor_name.clone(),
            dispositif: c.dispositif.clone(),
            title: c.title.clone(),
            to_deposit: c.to_deposit,
            deposited: c.deposited,
            validated: c.validated,
            deposited_pct,
            pct_by_month,
            expected_complete_on,
            d2,
            days_to_d2,
            risk,
        });
    }
    out
}

/// How many candidatures are at each risk, for one dispositif.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskDistribution {
    pub dispositif: String,
    pub eleve: u64,
    pub modere: u64,
    pub sans_risque: u64,
}

impl RiskDistribution {
    pub fn total(&self) -> u64 {
        self.eleve + self.modere + self.sans_risque
    }
}

/// DEP-02 risk distribution per dispositif (in dispositif order).
pub fn risk_distribution(lines: &[Dep02Line]) -> Vec<RiskDistribution> {
    let mut per: BTreeMap<&str, RiskDistribution> = BTreeMap::new();
    for l in lines {
        let d = per
            .entry(l.dispositif.as_str())
            .or_insert_with(|| RiskDistribution {
                dispositif: l.dispositif.clone(),
                ..RiskDistribution::default()
            });
        match l.risk {
            Risk::Eleve => d.eleve += 1,
            Risk::Modere => d.modere += 1,
            Risk::SansRisque => d.sans_risque += 1,
        }
    }
    per.into_values().collect()
}

/// Items deposited on one day, for one dispositif (every candidature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyDeposits {
    pub dispositif: String,
    pub on: Date,
    pub deposited: u64,
}

/// One ISO week of a dispositif's deposits, cumulated, against what is to deposit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyDeposits {
    pub week: IsoWeek,
    pub deposited: u64,
    pub cumulative: u64,
    pub cumulative_pct: u32,
}

/// A dispositif's deposits over time against D2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispositifDeposits {
    pub dispositif: String,
    /// Items to deposit over its open candidatures.
    pub to_deposit: u64,
    pub d2: Option<Date>,
    pub d2_week: Option<IsoWeek>,
    pub weeks: Vec<WeeklyDeposits>,
}

/// Deposits per ISO week and cumulated, per dispositif, with the D2 in force. Only dated
/// deposits are placed in weeks; `undated` deposits (imports) start the cumulative count.
pub fn deposits_over_time(
    counts: &[CandidatureCounts],
    daily: &[DailyDeposits],
    d2_of: &dyn Fn(&str) -> Option<Date>,
) -> Vec<DispositifDeposits> {
    let mut to_deposit: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for c in counts {
        let e = to_deposit.entry(c.dispositif.as_str()).or_default();
        e.0 += c.to_deposit;
        e.1 += c.deposited;
    }
    let mut weeks: BTreeMap<&str, BTreeMap<IsoWeek, u64>> = BTreeMap::new();
    for d in daily {
        *weeks
            .entry(d.dispositif.as_str())
            .or_default()
            .entry(IsoWeek::of(d.on))
            .or_default() += d.deposited;
        to_deposit.entry(d.dispositif.as_str()).or_default();
    }
    to_deposit
        .into_iter()
        .map(|(dispositif, (total, deposited))| {
            let per_week = weeks.remove(dispositif).unwrap_or_default();
            let dated: u64 = per_week.values().sum();
            let mut cumulative = deposited.saturating_sub(dated);
            let weeks = per_week
                .into_iter()
                .map(|(week, n)| {
                    cumulative += n;
                    WeeklyDeposits {
                        week,
                        deposited: n,
                        cumulative,
                        cumulative_pct: pct(cumulative, total),
                    }
                })
                .collect();
            let d2 = d2_of(dispositif);
            DispositifDeposits {
                dispositif: dispositif.to_owned(),
                to_deposit: total,
                d2,
                d2_week: d2.map(IsoWeek::of),
                weeks,
            }
        })
        .collect()
}

/// An instruction decision on a proof item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Validated,
    Rejected,
    ComplementRequested,
}

impl DecisionKind {
    pub const ALL: [Self; 3] = [Self::Validated, Self::Rejected, Self::ComplementRequested];

    /// The domain event kind that records it (`crate::events::EventKind`).
    pub fn event_kind(self) -> crate::events::EventKind {
        use crate::events::EventKind;
        match self {
            Self::Validated => EventKind::ProofValidated,
            Self::Rejected => EventKind::ProofRejected,
            Self::ComplementRequested => EventKind::ComplementRequested,
        }
    }

    pub fn from_event_kind(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.event_kind().as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Validated => "Preuves validées",
            Self::Rejected => "Preuves refusées",
            Self::ComplementRequested => "Compléments demandés",
        }
    }
}

/// Decisions of one kind taken on one day (counted in SQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyDecisions {
    pub kind: DecisionKind,
    pub on: Date,
    pub count: u64,
}

/// One decision with the deposit date of the item it decided, for the time to decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub kind: DecisionKind,
    pub on: Date,
    /// Date of the deposit decided (`None`: unknown, left out of the median).
    pub deposited_on: Option<Date>,
}

impl DecisionRecord {
    /// Calendar days from deposit to decision; `None` when unknown or negative (the item was
    /// deposited again after the decision).
    pub fn days_to_decision(&self) -> Option<i64> {
        let dep = self.deposited_on?;
        let days = i64::from(dep.until((jiff::Unit::Day, self.on)).ok()?.get_days());
        (days >= 0).then_some(days)
    }

    /// A validation or a rejection: the item's fate, as opposed to a complement request.
    pub fn is_final(&self) -> bool {
        matches!(self.kind, DecisionKind::Validated | DecisionKind::Rejected)
    }
}

/// One ISO week of instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekThroughput {
    pub week: IsoWeek,
    pub validated: u64,
    pub rejected: u64,
    pub complements: u64,
    /// Median calendar days from deposit to validation or rejection, over that week's
    /// validations and rejections whose deposit date is known.
    pub median_days_to_decision: Option<f64>,
}

/// Instruction throughput: decisions per ISO week (from daily counts) and the median time from
/// deposit to decision per week (from individual decisions). Weeks without any decision are
/// listed between the first and the last, so that a chart shows the gaps.
pub fn throughput(daily: &[DailyDecisions], decisions: &[DecisionRecord]) -> Vec<WeekThroughput> {
    let mut weeks: BTreeMap<IsoWeek, WeekThroughput> = BTreeMap::new();
    let blank = |week| WeekThroughput {
        week,
        validated: 0,
        rejected: 0,
        complements: 0,
        median_days_to_decision: None,
    };
    for d in daily {
        let week = IsoWeek::of(d.on);
        let w = weeks.entry(week).or_insert_with(|| blank(week));
        match d.kind {
            DecisionKind::Validated => w.validated += d.count,
            DecisionKind::Rejected => w.rejected += d.count,
            DecisionKind::ComplementRequested => w.complements += d.count,
        }
    }
    let mut durations: BTreeMap<IsoWeek, Vec<f64>> = BTreeMap::new();
    for d in decisions.iter().filter(|d| d.is_final()) {
        if let Some(days) = d.days_to_decision() {
            durations
                .entry(IsoWeek::of(d.on))
                .or_default()
                .push(days as f64);
        }
    }
    for (week, values) in durations {
        weeks
            .entry(week)
            .or_insert_with(|| blank(week))
            .median_days_to_decision = median(&values);
    }
    // Fill the gaps.
    if let (Some(first), Some(last)) = (
        weeks.keys().next().copied(),
        weeks.keys().next_back().copied(),
    ) && let (Some(mut day), Some(end)) = (first.monday(), last.monday())
    {
        let mut guard = 0;
        while day < end && guard < 520 {
            day = day.checked_add(jiff::Span::new().days(7)).unwrap_or(end);
            let week = IsoWeek::of(day);
            weeks.entry(week).or_insert_with(|| blank(week));
            guard += 1;
        }
    }
    weeks.into_values().collect()
}

/// The median days from deposit to validation or rejection over every decision given.
pub fn overall_median_days(decisions: &[DecisionRecord]) -> Option<f64> {
    let values: Vec<f64> = decisions
        .iter()
        .filter(|d| d.is_final())
        .filter_map(DecisionRecord::days_to_decision)
        .map(|d| d as f64)
        .collect();
    median(&values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Dep02Thresholds, RuleSettings};
    use jiff::civil::date;

    fn counts(id: &str, dispositif: &str) -> CandidatureCounts {
        CandidatureCounts {
            candidature_id: id.into(),
            organisation_id: "ed".into(),
            editor_name: "Éditeur".into(),
            dispositif: dispositif.into(),
            title: format!("Solution {id}"),
            state: CandidatureState::ProofsInProgress,
            heritage: false,
            to_deposit: 100,
            deposited: 0,
            validated: 0,
            general_va2_items: 40,
            general_va1_items: 60,
            general_va2_by_checkpoint: CheckpointCounts::default(),
            general_va1_by_checkpoint: CheckpointCounts::default(),
        }
    }

    #[test]
    fn iso_weeks_cross_years_as_iso_8601_says() {
        assert_eq!(IsoWeek::of(date(2026, 7, 22)).to_string(), "2026-W30");
        // 1 January 2027 is a Friday: still week 53 of 2026.
        assert_eq!(IsoWeek::of(date(2027, 1, 1)).to_string(), "2026-W53");
        // 29 December 2025 is a Monday: week 1 of 2026.
        assert_eq!(IsoWeek::of(date(2025, 12, 29)).to_string(), "2026-W01");
        assert_eq!(
            IsoWeek::of(date(2026, 7, 22)).monday(),
            Some(date(2026, 7, 20))
        );
        assert!(IsoWeek::of(date(2026, 1, 1)) < IsoWeek::of(date(2026, 7, 1)));
    }

    #[test]
    fn months_parse_and_step_back() {
        assert_eq!(Month::parse("2026-07-22").unwrap().to_string(), "2026-07");
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("20"), None);
        assert_eq!(Month::parse("é€é€é€é€"), None);
        assert_eq!(
            Month::of(date(2026, 1, 5)).previous().to_string(),
            "2025-12"
        );
        assert_eq!(Month::of(date(2026, 7, 5)).label_fr(), "juillet 2026");
        assert_eq!(
            report_months(date(2026, 2, 10))
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2025-12", "2026-01", "2026-02"]
        );
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }

    #[test]
    fn dep_01_report_counts_general_items_by_the_checkpoint() {
        let settings = Settings::default();
        let mut short = counts("a", "MDV-LGC-Va2");
        short.general_va2_by_checkpoint.any_status = 24;
        short.general_va1_by_checkpoint.any_status = 50;
        let mut ok = counts("b", "MDV-LGC-Va2");
        ok.general_va2_by_checkpoint.any_status = 25;
        ok.general_va1_by_checkpoint.any_status = 50;
        let mut heritage = counts("c", "MDV-LGC-Va2");
        heritage.heritage = true;
        heritage.general_va2_by_checkpoint.any_status = 25;
        let mut few_items = counts("d", "MDV-LGC-Va2");
        few_items.general_va2_items = 10;
        few_items.general_va1_items = 0;
        few_items.general_va2_by_checkpoint.any_status = 10;
        let mut closed = counts("e", "MDV-LGC-Va2");
        closed.state = CandidatureState::Refused;
        // No checkpoint on this dispositif: not in the DEP-01 report.
        let other = counts("f", "HOP-DPI-Va2");
        let report = dep_01_report(&[short, ok, heritage, few_items, closed, other], &settings);
        let by_id: BTreeMap<&str, &Dep01Line> = report
            .iter()
            .map(|l| (l.candidature_id.as_str(), l))
            .collect();
        assert_eq!(by_id.len(), 4, "{report:?}");
        assert_eq!(by_id["a"].checkpoint, date(2026, 7, 22));
        assert_eq!(
            by_id["a"].general_va2,
            Dep01Figure {
                deposited: 24,
                expected: 25
            }
        );
        assert!(!by_id["a"].met(), "DEP-01: 24 of 25 is short by one");
        assert!(by_id["b"].met(), "DEP-01: exactly 25 and 50 pass");
        assert_eq!(
            by_id["c"].general_va1, None,
            "DEP-01: no va1 minimum with heritage"
        );
        assert!(by_id["c"].met());
        assert_eq!(
            by_id["d"].general_va2.expected, 10,
            "DEP-01: all items when fewer than 25"
        );
        assert!(by_id["d"].met());
    }

    #[test]
    fn dep_01_report_follows_the_counting_setting() {
        let mut settings = Settings::default();
        for s in settings.per_dispositif.values_mut() {
            s.dep01_counting = Dep01Counting::ValidatedOnly;
        }
        let mut c = counts("a", "MDV-LGC-Va2");
        c.heritage = true;
        c.general_va2_by_checkpoint = CheckpointCounts {
            any_status: 30,
            not_rejected: 26,
            validated: 20,
        };
        let line = &dep_01_report(std::slice::from_ref(&c), &settings)[0];
        assert_eq!(line.general_va2.deposited, 20);
        assert!(!line.met());
        for s in settings.per_dispositif.values_mut() {
            s.dep01_counting = Dep01Counting::NotRejected;
        }
        assert!(dep_01_report(&[c], &settings)[0].met());
    }

    fn d2(_: &str) -> Option<Date> {
        Some(date(2027, 1, 20))
    }

    #[test]
    fn dep_02_each_default_threshold_at_its_boundary() {
        let settings = Settings::default();
        let t = Dep02Thresholds::default();
        let d2 = date(2027, 1, 20);
        let line = |pct_deposited: u64, days_before: i64| {
            let mut c = counts("a", "MDV-LGC-Va2");
            c.deposited = pct_deposited;
            let at = d2.checked_sub(jiff::Span::new().days(days_before)).unwrap();
            dep_02_report(&[c], &[], &|_| Some(d2), at, &settings)[0].risk
        };
        // high: ≤ 60 days and < 50 %.
        assert_eq!(line(49, t.high_within_days), Risk::Eleve, "DEP-02");
        assert_eq!(
            line(50, t.high_within_days),
            Risk::Modere,
            "DEP-02: 50 % is not high"
        );
        assert_eq!(
            line(49, t.high_within_days + 1),
            Risk::Modere,
            "DEP-02: 61 days"
        );
        // moderate: ≤ 120 days and < 80 %.
        assert_eq!(line(79, t.moderate_within_days), Risk::Modere);
        assert_eq!(line(80, t.moderate_within_days), Risk::SansRisque);
        assert_eq!(line(79, t.moderate_within_days + 1), Risk::SansRisque);
        // D2 passed and not complete: high, whatever the ratio; complete: no risk.
        assert_eq!(line(99, -1), Risk::Eleve);
        assert_eq!(line(100, -1), Risk::SansRisque);
    }

    #[test]
    fn dep_02_thresholds_are_per_dispositif_settings() {
        let mut settings = Settings::default();
        settings.per_dispositif.insert(
            "MDV-LGC-Va2".into(),
            RuleSettings {
                dep02_thresholds: Dep02Thresholds {
                    high_within_days: 200,
                    high_below_pct: 90,
                    moderate_within_days: 300,
                    moderate_below_pct: 95,
                },
                ..RuleSettings::default()
            },
        );
        let mut c = counts("a", "MDV-LGC-Va2");
        c.deposited = 85;
        let at = date(2026, 9, 1); // 141 days before D2
        assert_eq!(
            dep_02_report(&[c.clone()], &[], &d2, at, &settings)[0].risk,
            Risk::Eleve
        );
        c.dispositif = "HOP-DPI-Va2".into();
        assert_eq!(
            dep_02_report(&[c], &[], &d2, at, &settings)[0].risk,
            Risk::SansRisque,
            "DEP-02: defaults elsewhere"
        );
    }

    #[test]
    fn dep_02_monthly_ratios_and_expected_complete_date() {
        let settings = Settings::default();
        let mut c = counts("a", "MDV-LGC-Va2");
        c.deposited = 40;
        let monthly = [
            MonthlyDeposits {
                candidature_id: "a".into(),
                month: Month::parse("2026-05").unwrap(),
                deposited: 10,
            },
            MonthlyDeposits {
                candidature_id: "a".into(),
                month: Month::parse("2026-06").unwrap(),
                deposited: 10,
            },
            MonthlyDeposits {
                candidature_id: "a".into(),
                month: Month::parse("2026-07").unwrap(),
                deposited: 10,
            },
            MonthlyDeposits {
                candidature_id: "other".into(),
                month: Month::parse("2026-07").unwrap(),
                deposited: 99,
            },
        ];
        let at = date(2026, 7, 31);
        let line = &dep_02_report(&[c.clone()], &monthly, &d2, at, &settings)[0];
        // 10 undated deposits, then 10 a month: 20 %, 30 %, 40 % at the end of each month.
        let pcts: Vec<u32> = line.pct_by_month.iter().map(|(_, p)| *p).collect();
        assert_eq!(pcts, [20, 30, 40]);
        // 30 deposits in the 92 days of May–July: 60 remaining take 184 days.
        assert_eq!(line.expected_complete_on, Some(date(2027, 1, 31)));
        assert_eq!(line.days_to_d2, Some(173));
        // No deposit in the window: no projection.
        let line = &dep_02_report(
            &[c.clone()],
            &monthly[..1],
            &d2,
            date(2026, 9, 30),
            &settings,
        )[0];
        assert_eq!(line.expected_complete_on, None);
        // Complete: no projection, no risk.
        c.deposited = 100;
        let line = &dep_02_report(&[c], &monthly, &d2, at, &settings)[0];
        assert_eq!(line.expected_complete_on, None);
        assert_eq!(line.risk, Risk::SansRisque);
    }

    #[test]
    fn dep_02_risk_distribution_per_dispositif() {
        let settings = Settings::default();
        let mut lines = Vec::new();
        for (id, disp, dep) in [
            ("a", "MDV-LGC-Va2", 10),
            ("b", "MDV-LGC-Va2", 100),
            ("c", "HOP-DPI-Va2", 10),
        ] {
            let mut c = counts(id, disp);
            c.deposited = dep;
            lines.extend(dep_02_report(&[c], &[], &d2, date(2026, 12, 1), &settings));
        }
        let dist = risk_distribution(&lines);
        assert_eq!(dist.len(), 2);
        assert_eq!(dist[0].dispositif, "HOP-DPI-Va2");
        assert_eq!((dist[0].eleve, dist[0].total()), (1, 1));
        assert_eq!(
            (dist[1].eleve, dist[1].sans_risque, dist[1].total()),
            (1, 1, 2)
        );
    }

    #[test]
    fn deposits_per_week_cumulate_against_what_is_to_deposit() {
        let mut a = counts("a", "MDV-LGC-Va2");
        a.deposited = 30;
        let b = counts("b", "MDV-LGC-Va2");
        let daily = [
            DailyDeposits {
                dispositif: "MDV-LGC-Va2".into(),
                on: date(2026, 7, 20),
                deposited: 5,
            },
            DailyDeposits {
                dispositif: "MDV-LGC-Va2".into(),
                on: date(2026, 7, 26),
                deposited: 5,
            },
            DailyDeposits {
                dispositif: "MDV-LGC-Va2".into(),
                on: date(2026, 7, 27),
                deposited: 10,
            },
        ];
        let out = deposits_over_time(&[a, b], &daily, &d2);
        assert_eq!(out.len(), 1);
        let d = &out[0];
        assert_eq!(d.to_deposit, 200);
        assert_eq!(d.d2_week.unwrap().to_string(), "2027-W03");
        assert_eq!(d.weeks.len(), 2);
        assert_eq!(
            (d.weeks[0].week.to_string(), d.weeks[0].deposited),
            ("2026-W30".into(), 10)
        );
        // 10 undated + 10 + 10.
        assert_eq!((d.weeks[1].cumulative, d.weeks[1].cumulative_pct), (30, 15));
    }

    #[test]
    fn throughput_per_week_with_median_time_to_decision() {
        let daily = [
            DailyDecisions {
                kind: DecisionKind::Validated,
                on: date(2026, 9, 7),
                count: 3,
            },
            DailyDecisions {
                kind: DecisionKind::Validated,
                on: date(2026, 9, 13),
                count: 2,
            },
            DailyDecisions {
                kind: DecisionKind::Rejected,
                on: date(2026, 9, 8),
                count: 1,
            },
            DailyDecisions {
                kind: DecisionKind::ComplementRequested,
                on: date(2026, 9, 29),
                count: 4,
            },
        ];
        let rec = |kind, on, dep| DecisionRecord {
            kind,
            on,
            deposited_on: dep,
        };
        let decisions = [
            rec(
                DecisionKind::Validated,
                date(2026, 9, 7),
                Some(date(2026, 9, 1)),
            ),
            rec(
                DecisionKind::Validated,
                date(2026, 9, 8),
                Some(date(2026, 8, 29)),
            ),
            rec(
                DecisionKind::Rejected,
                date(2026, 9, 8),
                Some(date(2026, 9, 7)),
            ),
            rec(DecisionKind::Validated, date(2026, 9, 9), None),
            // Deposited again after the decision: left out.
            rec(
                DecisionKind::Validated,
                date(2026, 9, 9),
                Some(date(2026, 9, 10)),
            ),
            // Complement requests are not the item's fate.
            rec(
                DecisionKind::ComplementRequested,
                date(2026, 9, 9),
                Some(date(2026, 1, 1)),
            ),
        ];
        let weeks = throughput(&daily, &decisions);
        let labels: Vec<String> = weeks.iter().map(|w| w.week.to_string()).collect();
        assert_eq!(
            labels,
            ["2026-W37", "2026-W38", "2026-W39", "2026-W40"],
            "gaps filled"
        );
        assert_eq!((weeks[0].validated, weeks[0].rejected), (5, 1));
        // 6, 10 and 1 days: median 6.
        assert_eq!(weeks[0].median_days_to_decision, Some(6.0));
        assert_eq!(weeks[1].validated + weeks[1].complements, 0);
        assert_eq!(weeks[3].complements, 4);
        assert_eq!(weeks[3].median_days_to_decision, None);
        assert_eq!(overall_median_days(&decisions), Some(6.0));
        assert!(throughput(&[], &[]).is_empty());
    }

    #[test]
    fn decision_kinds_map_to_stored_event_kinds() {
        assert_eq!(
            DecisionKind::from_event_kind("proof.validated"),
            Some(DecisionKind::Validated)
        );
        assert_eq!(
            DecisionKind::from_event_kind("complement.requested"),
            Some(DecisionKind::ComplementRequested)
        );
        assert_eq!(DecisionKind::from_event_kind("candidature.referred"), None);
    }
}
