//! Identifiers of client structures: FINESS (juridique or géographique), SIRET, RPPS.
//!
//! FIN-01 counts one financed Prestation per structure identifier and SONS, so the identifier
//! carries its kind: the same nine digits as a FINESS juridique and as a FINESS géographique
//! are two different structures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::org::Finess;

/// Luhn check (SIRET, RPPS).
fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

fn digits_only(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).collect()
}

/// SIRET: 14 digits with a Luhn key. La Poste's establishments (SIREN 356 000 000) use a
/// different key, a digit sum divisible by 5, and are accepted as such.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Siret(String);

impl Siret {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = digits_only(input);
        if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                "siret",
                format!("« {input} » : 14 chiffres attendus"),
            ));
        }
        let la_poste = s.starts_with("356000000")
            && s.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0;
        if !luhn_ok(&s) && !la_poste {
            return Err(ParseError::new(
                "siret",
                format!("« {input} » : clé de contrôle invalide"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RPPS number of a health professional: 11 digits with a Luhn key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rpps(String);

impl Rpps {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = digits_only(input);
        if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                "rpps",
                format!("« {input} » : 11 chiffres attendus"),
            ));
        }
        if !luhn_ok(&s) {
            return Err(ParseError::new(
                "rpps",
                format!("« {input} » : clé de contrôle invalide"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identifier of a client structure, written `finess_ej:750712184`,
/// `finess_et:750100042`, `siret:73282932000074` or `rpps:10003456789`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum StructureId {
    /// FINESS of the legal entity (entité juridique).
    FinessJuridique(Finess),
    /// FINESS of the establishment (entité géographique).
    FinessGeographique(Finess),
    Siret(Siret),
    Rpps(Rpps),
}

impl StructureId {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let Some((kind, value)) = input.trim().split_once(':') else {
            return Err(ParseError::new(
                "structure",
                format!(
                    "« {input} » : identifiant de structure attendu sous la forme finess_ej:…, finess_et:…, siret:… ou rpps:…"
                ),
            ));
        };
        match kind.trim().to_ascii_lowercase().as_str() {
            "finess_ej" => Ok(Self::FinessJuridique(Finess::parse(value)?)),
            "finess_et" => Ok(Self::FinessGeographique(Finess::parse(value)?)),
            "siret" => Ok(Self::Siret(Siret::parse(value)?)),
            "rpps" => Ok(Self::Rpps(Rpps::parse(value)?)),
            other => Err(ParseError::new(
                "structure",
                format!(
                    "« {other} » : type d'identifiant inconnu (finess_ej, finess_et, siret, rpps)"
                ),
            )),
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::FinessJuridique(_) => "finess_ej",
            Self::FinessGeographique(_) => "finess_et",
            Self::Siret(_) => "siret",
            Self::Rpps(_) => "rpps",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Self::FinessJuridique(f) | Self::FinessGeographique(f) => f.as_str(),
            Self::Siret(s) => s.as_str(),
            Self::Rpps(r) => r.as_str(),
        }
    }
}

impl fmt::Display for StructureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind_str(), self.value())
    }
}

impl FromStr for StructureId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for StructureId {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StructureId> for String {
    fn from(value: StructureId) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_ids_parse_and_display() {
        for s in [
            "finess_ej:750712184",
            "finess_et:2A0000123",
            "siret:73282932000074",
            "rpps:10000000009",
        ] {
            let id = StructureId::parse(s).unwrap();
            assert_eq!(id.to_string(), s);
            assert_eq!(StructureId::parse(&id.to_string()).unwrap(), id);
        }
        assert_ne!(
            StructureId::parse("finess_ej:750712184").unwrap(),
            StructureId::parse("finess_et:750712184").unwrap(),
            "FIN-01 counts juridique and géographique FINESS apart"
        );
    }

    #[test]
    fn structure_ids_refuse_bad_keys_and_kinds() {
        assert!(StructureId::parse("750712184").is_err());
        assert!(StructureId::parse("finess:750712184").is_err());
        assert!(StructureId::parse("finess_ej:75071218").is_err());
        assert!(StructureId::parse("siret:73282932000075").is_err(), "Luhn");
        assert!(
            StructureId::parse("siret:7328293200007").is_err(),
            "13 digits"
        );
        assert!(StructureId::parse("rpps:10000000008").is_err(), "Luhn");
        assert!(StructureId::parse("rpps:1000000000").is_err(), "10 digits");
        // La Poste: digit sum multiple of 5.
        assert!(Siret::parse("35600000000015").is_ok());
        assert!(Siret::parse("35600000000016").is_err());
    }
}
