//! Settings of the rules engine: one field per `[default]` choice of `rules.md`.
//!
//! The built-in values reproduce `rules.md`. A dispositif may override any field: in a settings
//! file, `[per_dispositif."HOP-DPI-Va2"]` lists only the fields that differ, and the others are
//! taken from `[defaults]`. [`Settings::default`] carries the MDV va2 specifics (DEP-01 checkpoint
//! of 22/07/2026, CNDA-02 DMP guide 2.10 MCO2) as an override of `MDV-LGC-Va2`; a file that
//! overrides `MDV-LGC-Va2` keeps those values unless it sets them.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

use crate::catalogue::DispositifCode;
use crate::financing::VatRate;

/// How EQV-05 compares root and candidate versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VersionComparison {
    /// Dotted numeric core, then the suffix (`build N`, `rc`…), see [`crate::version::Version`].
    #[default]
    Dotted,
    /// Dotted numeric core only: `5.1-build3` and `5.1-build1` are equal.
    CoreOnly,
}

/// What DEP-01 counts as a deposited item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Dep01Counting {
    /// Deposited whatever its review status [default].
    #[default]
    AnyStatus,
    /// Deposited and not rejected.
    NotRejected,
    /// Validated only.
    ValidatedOnly,
}

/// Reference date of PEN-04's "less than one year".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pen04Reference {
    /// The date the form was deposited as a proof; the check date while not deposited [default].
    #[default]
    DepositDate,
    /// Always the check date.
    CheckDate,
}

/// Which calendar version a check uses (CAL-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CalendarChoice {
    /// The calendar in force at the date of the checked event [default].
    #[default]
    InForceAtEvent,
    /// The current (latest) calendar, whatever the event date.
    Current,
}

/// DEP-02 risk thresholds [default]. `ratio` is the percentage of items to deposit (required +
/// impacted) already deposited; `days` the calendar days left before D2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dep02Thresholds {
    /// High risk when at most this many days are left and the ratio is below `high_below_pct`.
    pub high_within_days: i64,
    pub high_below_pct: u32,
    /// Moderate risk when at most this many days are left and the ratio is below
    /// `moderate_below_pct` (and not high).
    pub moderate_within_days: i64,
    pub moderate_below_pct: u32,
}

impl Default for Dep02Thresholds {
    fn default() -> Self {
        Self {
            high_within_days: 60,
            high_below_pct: 50,
            moderate_within_days: 120,
            moderate_below_pct: 80,
        }
    }
}

/// Every configurable choice of the engine, for one dispositif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// LIF-06: count working days (French public holidays and weekends excluded) instead of
    /// calendar days [default: calendar days].
    pub lif06_working_days: bool,
    /// LIF-06: days a complement request may stay unanswered [5].
    pub lif06_unanswered_days: u32,
    /// HER-03: heritage NRUs allowed outside the médico-social couloir [default: 1].
    pub her03_max_heritage_nrus: u32,
    /// HER-06: let a va1 referencing on a different dispositif give héritage [default: false].
    pub her06_cross_dispositif: bool,
    /// EQV-05: version comparison [default: dotted numeric].
    pub eqv05_comparison: VersionComparison,
    /// EQV-11: two candidatures of one solution on one dispositif must differ in both profiles
    /// and versions [default: true]; `false` accepts a difference in either.
    pub eqv11_require_both_differ: bool,
    /// EQV-13: equivalent items of a withdrawn root fall back to "to deposit" [default: true].
    pub eqv13_fallback_on_withdrawal: bool,
    /// DEP-01: checkpoint date (end of day); `None` disables DEP-01 for the dispositif.
    pub dep01_checkpoint: Option<Date>,
    /// DEP-01: minimum Général va2 items deposited [25].
    pub dep01_min_general_va2: u32,
    /// DEP-01: minimum Général va1 items deposited when no heritage NRU [50].
    pub dep01_min_general_va1: u32,
    /// DEP-01: what counts as deposited [default: any review status].
    pub dep01_counting: Dep01Counting,
    /// DEP-02: risk thresholds [default].
    pub dep02_thresholds: Dep02Thresholds,
    /// PEN-04: reference date [default: deposit date].
    pub pen04_reference: Pen04Reference,
    /// PEN-04: validity of a pentest form in months [12: "less than one year"].
    pub pen04_validity_months: u32,
    /// PSC-01: validity of a habilitation in years [3].
    pub psc01_validity_years: u32,
    /// CAL-02: calendar used by checks [default: in force at the event date].
    pub cal02_calendar: CalendarChoice,
    /// CAL-03: also treat Alsace-Moselle holidays (Good Friday, 26 December) as non-working
    /// [default: false].
    pub cal03_alsace_moselle: bool,
    /// CNDA-02: referential versions the REM requires, e.g. `{ DMP = "2.10 MCO2" }`.
    pub cnda02_required_referentials: BTreeMap<String, String>,
    /// BDC-02: maximum days between order signature and complete deposit [120].
    pub bdc02_max_days: u32,
    /// BDC-03: dispositifs where orders signed before `bdc03_cutoff` escape BDC-02
    /// [default: MDV-LGC-Va2 only].
    pub bdc03_scope: Vec<String>,
    /// BDC-03: cutoff date (orders signed strictly before it escape BDC-02) [15/04/2026].
    pub bdc03_cutoff: Date,
    /// BDC-04, PRE-02, FIN-04: an event dated on the deadline milestone (D4, D5, D6) itself is
    /// in time [default: true; events are dated by day].
    pub fin_deadline_day_allowed: bool,
    /// FIN-03: VAT rate linking HT and TTC amounts, in percent [20].
    pub fin03_vat_rate: VatRate,
    /// PRE-03: recommended observation between complete installation and a pilot VA, in days [14].
    pub pre03_observation_days: u32,
    /// PRE-04: longest financed duration of rights of use and corrective maintenance, in years [5].
    pub pre04_max_years: u8,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            lif06_working_days: false,
            lif06_unanswered_days: 5,
            her03_max_heritage_nrus: 1,
            her06_cross_dispositif: false,
            eqv05_comparison: VersionComparison::Dotted,
            eqv11_require_both_differ: true,
            eqv13_fallback_on_withdrawal: true,
            dep01_checkpoint: None,
            dep01_min_general_va2: 25,
            dep01_min_general_va1: 50,
            dep01_counting: Dep01Counting::AnyStatus,
            dep02_thresholds: Dep02Thresholds::default(),
            pen04_reference: Pen04Reference::DepositDate,
            pen04_validity_months: 12,
            psc01_validity_years: 3,
            cal02_calendar: CalendarChoice::InForceAtEvent,
            cal03_alsace_moselle: false,
            cnda02_required_referentials: BTreeMap::new(),
            bdc02_max_days: 120,
            bdc03_scope: vec!["MDV-LGC-Va2".to_owned()],
            bdc03_cutoff: date(2026, 4, 15),
            fin_deadline_day_allowed: true,
            fin03_vat_rate: VatRate::STANDARD,
            pre03_observation_days: 14,
            pre04_max_years: 5,
        }
    }
}

/// Settings of the engine: defaults plus per-dispositif overrides (keyed by dispositif code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub defaults: RuleSettings,
    /// Complete settings of the dispositifs that differ from `defaults`.
    pub per_dispositif: BTreeMap<String, RuleSettings>,
}

/// The built-in per-dispositif differences, as partial JSON objects.
fn builtin_overrides() -> BTreeMap<String, serde_json::Value> {
    BTreeMap::from([(
        "MDV-LGC-Va2".to_owned(),
        serde_json::json!({
            "dep01_checkpoint": "2026-07-22",
            "cnda02_required_referentials": { "DMP": "2.10 MCO2" },
        }),
    )])
}

impl Default for Settings {
    fn default() -> Self {
        Self::resolve(RuleSettings::default(), BTreeMap::new()).unwrap_or_else(|_| Self {
            defaults: RuleSettings::default(),
            per_dispositif: BTreeMap::new(),
        })
    }
}

/// Merges `patch` (an object) into `base` (an object), key by key.
fn merge(base: &mut serde_json::Value, patch: &serde_json::Value) {
    if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            b.insert(k.clone(), v.clone());
        }
    }
}

impl Settings {
    /// The settings that apply to one dispositif.
    pub fn for_dispositif(&self, code: &DispositifCode) -> RuleSettings {
        self.per_dispositif
            .get(code.as_str())
            .unwrap_or(&self.defaults)
            .clone()
    }

    /// Borrowing variant of [`Settings::for_dispositif`].
    pub fn get(&self, code: &DispositifCode) -> &RuleSettings {
        self.per_dispositif
            .get(code.as_str())
            .unwrap_or(&self.defaults)
    }

    /// Builds settings from defaults and partial overrides (on top of the built-in ones).
    fn resolve(
        defaults: RuleSettings,
        overrides: BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        let base = serde_json::to_value(&defaults)?;
        let mut patches = builtin_overrides();
        for (k, v) in overrides {
            let entry = patches.entry(k).or_insert_with(|| serde_json::json!({}));
            merge(entry, &v);
        }
        let mut per_dispositif = BTreeMap::new();
        for (k, patch) in patches {
            let mut v = base.clone();
            merge(&mut v, &patch);
            per_dispositif.insert(k, serde_json::from_value(v)?);
        }
        Ok(Self {
            defaults,
            per_dispositif,
        })
    }
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            defaults: RuleSettings,
            #[serde(default)]
            per_dispositif: BTreeMap<String, serde_json::Value>,
        }
        let raw = Raw::deserialize(deserializer)?;
        for (k, v) in &raw.per_dispositif {
            if !v.is_object() {
                return Err(serde::de::Error::custom(format!(
                    "per_dispositif.{k} : table de réglages attendue"
                )));
            }
        }
        Settings::resolve(raw.defaults, raw.per_dispositif)
            .map_err(|e| serde::de::Error::custom(format!("réglages invalides : {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mdv() -> DispositifCode {
        DispositifCode::parse("MDV-LGC-Va2").unwrap()
    }

    #[test]
    fn defaults_follow_rules_md() {
        let s = Settings::default();
        let hop = s.for_dispositif(&DispositifCode::parse("HOP-DPI-Va2").unwrap());
        assert_eq!(hop.lif06_unanswered_days, 5);
        assert!(!hop.lif06_working_days);
        assert_eq!(hop.her03_max_heritage_nrus, 1);
        assert!(hop.eqv11_require_both_differ);
        assert_eq!(hop.dep01_checkpoint, None);
        let m = s.for_dispositif(&mdv());
        assert_eq!(m.dep01_checkpoint, Some(date(2026, 7, 22)));
        assert_eq!(
            m.cnda02_required_referentials
                .get("DMP")
                .map(String::as_str),
            Some("2.10 MCO2")
        );
        assert_eq!(m.bdc03_scope, vec!["MDV-LGC-Va2".to_owned()]);
    }

    #[test]
    fn partial_overrides_merge_with_defaults_and_builtins() {
        let s: Settings = toml::from_str(
            r#"
            [defaults]
            lif06_unanswered_days = 7
            [per_dispositif."MDV-LGC-Va2"]
            lif06_working_days = true
            [per_dispositif."HOP-DPI-Va2"]
            her03_max_heritage_nrus = 2
            "#,
        )
        .unwrap();
        let m = s.for_dispositif(&mdv());
        assert!(m.lif06_working_days);
        assert_eq!(m.lif06_unanswered_days, 7, "taken from [defaults]");
        assert_eq!(
            m.dep01_checkpoint,
            Some(date(2026, 7, 22)),
            "built-in MDV value kept"
        );
        let h = s.for_dispositif(&DispositifCode::parse("HOP-DPI-Va2").unwrap());
        assert_eq!(h.her03_max_heritage_nrus, 2);
        assert_eq!(h.lif06_unanswered_days, 7);
        let back: Settings = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(toml::from_str::<Settings>("[defaults]\nlif06_jours = 3\n").is_err());
        assert!(toml::from_str::<Settings>("[per_dispositif.\"MS-Va2\"]\nnope = 3\n").is_err());
    }
}
