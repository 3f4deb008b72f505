//! The requirements catalogue: couloirs, dispositifs, REM versions, chapters, requirements,
//! scenarios and proof items (one official REM row = requirement × scenario × proof number).

use serde::{Deserialize, Serialize};

use crate::{ParseError, string_newtype};

/// A wave of the Ségur programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Wave {
    Va1,
    Va2,
}

impl Wave {
    pub fn as_str(self) -> &'static str {
        match self {
            Wave::Va1 => "Va1",
            Wave::Va2 => "Va2",
        }
    }
}

/// Professional sector grouping dispositifs (`HOP`, `MDV`, `SDV`, `IMG`, `BIO`, `OFF`, `MS`…).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CouloirCode(String);
string_newtype!(CouloirCode);

impl CouloirCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() || s.len() > 8 || !s.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ParseError::new(
                "couloir",
                format!("« {input} » : 1 à 8 lettres majuscules attendues (ex. MDV, HOP, MS)"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// True for the médico-social couloir, where the heritage exception of HER-04 applies.
    pub fn is_medico_social(&self) -> bool {
        self.0 == "MS"
    }
}

/// Code of a dispositif (one SONS), e.g. `MDV-LGC-Va2`, `HOP-DPI-Va2`, `MS-Va2`, `MS1-Va1`.
///
/// Format: segments of uppercase letters and digits separated by `-`, the last one being the
/// wave (`Va1` or `Va2`). The first segment names the couloir, with a trailing digit allowed
/// (`MS1`, `MS2` are the two va1 médico-social dispositifs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DispositifCode(String);
string_newtype!(DispositifCode);

impl DispositifCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let err = || {
            ParseError::new(
                "dispositif",
                format!(
                    "« {input} » : code attendu de la forme COULOIR-…-Va1 ou -Va2 (ex. MDV-LGC-Va2)"
                ),
            )
        };
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() < 2 || s.len() > 40 {
            return Err(err());
        }
        let (last, head) = parts.split_last().ok_or_else(err)?;
        if *last != "Va1" && *last != "Va2" {
            return Err(err());
        }
        for p in head {
            if p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                return Err(err());
            }
        }
        if !head[0].starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(err());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn wave(&self) -> Wave {
        if self.0.ends_with("Va1") {
            Wave::Va1
        } else {
            Wave::Va2
        }
    }

    /// The couloir named by the first segment, without a trailing digit (`MS1` → `MS`).
    pub fn couloir(&self) -> CouloirCode {
        let first = self.0.split('-').next().unwrap_or_default();
        CouloirCode(
            first
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_owned(),
        )
    }

    /// The code without its wave suffix: `MDV-LGC-Va2` → `MDV-LGC`. Used to match a va1
    /// dispositif with its va2 successor for héritage (HER-03).
    pub fn family(&self) -> &str {
        self.0.rsplit_once('-').map(|(h, _)| h).unwrap_or(&self.0)
    }
}

/// A profile of a dispositif. `Général` is always applicable (LIF-03).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Profile(String);
string_newtype!(Profile);

impl Profile {
    pub const GENERAL: &'static str = "Général";

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() || s.chars().count() > 60 || s.chars().any(char::is_control) {
            return Err(ParseError::new(
                "profile",
                format!("« {input} » : nom de profil vide, trop long ou invalide"),
            ));
        }
        // Accept the unaccented spelling found in some spreadsheets.
        if s.eq_ignore_ascii_case("general") || s.eq_ignore_ascii_case("général") {
            return Ok(Self::general());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn general() -> Self {
        Self(Self::GENERAL.to_owned())
    }

    pub fn is_general(&self) -> bool {
        self.0 == Self::GENERAL
    }
}

/// Requirement identifier following REM-02: a prefix (`SC`, `CH` or a business prefix such as
/// `LGC`), a section that may contain `/` (`SSI/GEN`, `DMP/UX`), then dotted numbers.
/// Examples: `SC.SSI/GEN.18`, `LGC.DMP/UX.10.01.01`, `SC.INS.01.02`, `SC.PSC.14`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequirementId(String);
string_newtype!(RequirementId);

impl RequirementId {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let err = |why: &str| {
            ParseError::new(
                "requirement_id",
                format!(
                    "« {input} » : {why} (format attendu PREFIXE.SECTION.NN, ex. SC.SSI/GEN.18)"
                ),
            )
        };
        if s.len() > 64 {
            return Err(err("identifiant trop long"));
        }
        let mut parts = s.split('.');
        let prefix = parts.next().unwrap_or_default();
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(err("préfixe invalide"));
        }
        let section = parts.next().ok_or_else(|| err("section manquante"))?;
        let section_ok = !section.is_empty()
            && section.split('/').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            });
        if !section_ok || section.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err("section invalide"));
        }
        let numbers: Vec<&str> = parts.collect();
        if numbers.is_empty() {
            return Err(err("numéro manquant"));
        }
        if !numbers
            .iter()
            .all(|n| !n.is_empty() && n.len() <= 4 && n.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(err("numéros invalides"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn prefix(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }

    pub fn section(&self) -> &str {
        self.0.split('.').nth(1).unwrap_or_default()
    }
}

/// EXIGENCE (mandatory, "DOIT") or PRECONISATION (recommended, "PEUT").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Nature {
    Exigence,
    Preconisation,
}

/// One expected proof of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofSpec {
    pub number: u16,
    pub text: String,
}

/// A conformity scenario of a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub number: u16,
    pub text: String,
    pub proofs: Vec<ProofSpec>,
}

/// A requirement of a REM version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: RequirementId,
    pub chapter: String,
    #[serde(default)]
    pub fonction: String,
    pub enonce: String,
    pub nature: Nature,
    pub profile: Profile,
    /// Wave in which the requirement first appeared (va1 requirements carried into va2 can
    /// be inherited, HER-01).
    #[serde(default = "default_wave_origin")]
    pub wave_origin: Wave,
    pub scenarios: Vec<Scenario>,
    /// Columns of an imported workbook that segur does not interpret (header → value), kept
    /// so that nothing published is lost and exports can give them back.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
}

fn default_wave_origin() -> Wave {
    Wave::Va2
}

/// Key of one REM row: requirement × scenario × proof number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProofItemKey {
    pub requirement: RequirementId,
    pub scenario: u16,
    pub proof: u16,
}

impl std::fmt::Display for ProofItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} / S{} / P{}",
            self.requirement, self.scenario, self.proof
        )
    }
}

/// One proof item, flattened from its requirement (what a candidature deposits against).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofItem {
    pub key: ProofItemKey,
    pub chapter: String,
    pub profile: Profile,
    pub nature: Nature,
    pub wave_origin: Wave,
    pub scenario_text: String,
    pub proof_text: String,
}

/// Publication state of a REM version. A published version never changes (REM-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemStatus {
    Draft,
    Published,
}

impl RemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RemStatus::Draft => "draft",
            RemStatus::Published => "published",
        }
    }
}

/// A version of a dispositif's REM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemVersion {
    pub dispositif: DispositifCode,
    pub version: String,
    pub status: RemStatus,
    pub published_on: Option<jiff::civil::Date>,
    /// Free-text change log (the REM cover page).
    #[serde(default)]
    pub change_log: Vec<String>,
    /// Shown in the UI: the demo REMs are illustrative, not the official ones.
    #[serde(default)]
    pub illustrative: bool,
    pub requirements: Vec<Requirement>,
}

/// Why a REM version cannot be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "la version {version} du REM {dispositif} est publiée et ne peut plus être modifiée (REM-01)"
)]
pub struct RemImmutable {
    pub dispositif: String,
    pub version: String,
}

impl RemVersion {
    /// Every proof item of the version, in REM order.
    pub fn proof_items(&self) -> Vec<ProofItem> {
        let mut items = Vec::new();
        for req in &self.requirements {
            for sc in &req.scenarios {
                for p in &sc.proofs {
                    items.push(ProofItem {
                        key: ProofItemKey {
                            requirement: req.id.clone(),
                            scenario: sc.number,
                            proof: p.number,
                        },
                        chapter: req.chapter.clone(),
                        profile: req.profile.clone(),
                        nature: req.nature,
                        wave_origin: req.wave_origin,
                        scenario_text: sc.text.clone(),
                        proof_text: p.text.clone(),
                    });
                }
            }
        }
        items
    }

    /// Guard for any mutation: REM-01.
    pub fn ensure_mutable(&self) -> Result<(), RemImmutable> {
        match self.status {
            RemStatus::Draft => Ok(()),
            RemStatus::Published => Err(RemImmutable {
                dispositif: self.dispositif.to_string(),
                version: self.version.clone(),
            }),
        }
    }

    /// Publishes a draft; publishing twice is refused (REM-01).
    pub fn publish(&mut self, on: jiff::civil::Date) -> Result<(), RemImmutable> {
        self.ensure_mutable()?;
        self.status = RemStatus::Published;
        self.published_on = Some(on);
        Ok(())
    }

    /// Chapters in order of first appearance.
    pub fn chapters(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.requirements {
            if !out.contains(&r.chapter) {
                out.push(r.chapter.clone());
            }
        }
        out
    }
}

/// A dispositif (one SONS) with its couloir and profiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispositif {
    pub code: DispositifCode,
    pub name: String,
    /// Optional profiles the candidate may select; `Général` is implicit.
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

impl Dispositif {
    pub fn couloir(&self) -> CouloirCode {
        self.code.couloir()
    }
    pub fn wave(&self) -> Wave {
        self.code.wave()
    }
}

/// One mapping of a published equivalence list: a requirement of the source dispositif is
/// equivalent to one of the target dispositif (EQV-06).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EquivalencePair {
    pub from_requirement: RequirementId,
    pub to_requirement: RequirementId,
}

/// A published equivalence list between two dispositifs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquivalenceList {
    pub from_dispositif: DispositifCode,
    pub to_dispositif: DispositifCode,
    pub pairs: Vec<EquivalencePair>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rem_02_requirement_ids_from_the_seeds_parse() {
        for id in [
            "SC.SSI/GEN.18",
            "LGC.DMP/UX.10.01.01",
            "SC.INS.01.02",
            "SC.PSC.14",
            "SC.VACC/NOTE.05",
            "CH.AUT.01.01",
            "SC.INS/CONF.01",
        ] {
            let parsed = RequirementId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(parsed.as_str(), id);
        }
        assert_eq!(
            RequirementId::parse("SC.SSI/GEN.18").unwrap().section(),
            "SSI/GEN"
        );
        assert_eq!(
            RequirementId::parse("LGC.DMP/UX.10.01.01")
                .unwrap()
                .prefix(),
            "LGC"
        );
    }

    #[test]
    fn rem_02_malformed_requirement_ids_are_refused() {
        for bad in [
            "",
            "SC",
            "SC.",
            "sc.INS.01",
            "SC.INS",
            "SC.INS.x1",
            "SC..01",
            "SC.SSI//GEN.18",
            "SC.01.02",
        ] {
            assert!(
                RequirementId::parse(bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn dispositif_codes_carry_couloir_and_wave() {
        let d = DispositifCode::parse("MDV-LGC-Va2").unwrap();
        assert_eq!(d.wave(), Wave::Va2);
        assert_eq!(d.couloir().as_str(), "MDV");
        assert_eq!(d.family(), "MDV-LGC");
        let ms1 = DispositifCode::parse("MS1-Va1").unwrap();
        assert!(ms1.couloir().is_medico_social());
        assert_eq!(ms1.wave(), Wave::Va1);
        for bad in ["", "MDV", "mdv-Va2", "MDV-LGC-Va3", "MDV--Va2", "1MS-Va2"] {
            assert!(DispositifCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn general_profile_is_normalised() {
        assert!(Profile::parse("general").unwrap().is_general());
        assert!(Profile::parse(" Général ").unwrap().is_general());
        assert!(!Profile::parse("PH avec DO").unwrap().is_general());
        assert!(Profile::parse("").is_err());
    }

    #[test]
    fn rem_01_published_versions_are_immutable() {
        let mut rem = RemVersion {
            dispositif: DispositifCode::parse("MS-Va2").unwrap(),
            version: "1.0".into(),
            status: RemStatus::Draft,
            published_on: None,
            change_log: vec![],
            illustrative: true,
            requirements: vec![],
        };
        rem.publish(jiff::civil::date(2026, 6, 8)).unwrap();
        assert!(rem.ensure_mutable().is_err());
        assert!(rem.publish(jiff::civil::date(2026, 6, 9)).is_err());
    }
}
