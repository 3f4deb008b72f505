//! Referencings: the NRU granted by the ANS, with a snapshot of the solution referenced.

use serde::{Deserialize, Serialize};

use crate::catalogue::{DispositifCode, Profile};
use crate::solution::Solution;
use crate::{ParseError, string_newtype};

/// NRU (numéro unique de référencement). The official format is not public (Q4): accepted are
/// 3–40 characters of uppercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nru(String);
string_newtype!(Nru);

impl Nru {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if !(3..=40).contains(&s.len())
            || !s
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ParseError::new(
                "nru",
                format!("« {input} » : NRU de 3 à 40 caractères (majuscules, chiffres, -) attendu"),
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// Status of a referencing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferencingStatus {
    Active,
    Withdrawn,
}

/// A referencing (va1 or va2) with the solution snapshot it was granted for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referencing {
    pub nru: Nru,
    pub dispositif: DispositifCode,
    pub referenced_on: jiff::civil::Date,
    pub status: ReferencingStatus,
    /// Profiles referenced (va1 MS referencings carry PA, PH…; Général is implicit).
    #[serde(default)]
    pub profiles: Vec<Profile>,
    pub solution: Solution,
    /// REM version the referencing was granted against.
    #[serde(default)]
    pub rem_version: Option<String>,
}

impl Referencing {
    pub fn is_active(&self) -> bool {
        self.status == ReferencingStatus::Active
    }
}
