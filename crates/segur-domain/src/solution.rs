//! Solutions: principal component, additional components, proxy e-santé component, each with a
//! version; commercial names, each with its CNDA NIL and technical version.
//!
//! Versions are kept as declared (strings): the rules engine parses them for compatibilité
//! ascendante (EQV-05) and reports, with a diagnostic, a version it cannot order.

use serde::{Deserialize, Serialize};

use crate::{ParseError, string_newtype};

/// NIL (numéro d'identification logiciel, CNDA): one per commercial name. Format not public:
/// non-empty alphanumeric (with `-`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nil(String);
string_newtype!(Nil);

impl Nil {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ParseError::new(
                "nil",
                format!("« {input} » : NIL alphanumérique attendu"),
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// A software component with its declared version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub version: String,
}

/// A commercial name under which the solution is sold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommercialName {
    pub name: String,
    pub nil: Nil,
    pub technical_version: String,
}

/// A software solution as declared by an editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub principal: Component,
    #[serde(default)]
    pub additional: Vec<Component>,
    #[serde(default)]
    pub proxy: Option<Component>,
    pub names: Vec<CommercialName>,
}

impl Solution {
    /// Two solutions share a configuration when principal, additional and proxy components have
    /// the same names (versions may differ: compatibilité ascendante is checked separately).
    pub fn same_configuration(&self, other: &Solution) -> bool {
        let mut a: Vec<&str> = self.additional.iter().map(|c| c.name.as_str()).collect();
        let mut b: Vec<&str> = other.additional.iter().map(|c| c.name.as_str()).collect();
        a.sort_unstable();
        b.sort_unstable();
        self.principal.name == other.principal.name
            && a == b
            && self.proxy.as_ref().map(|p| &p.name) == other.proxy.as_ref().map(|p| &p.name)
    }

    /// Every component, principal first.
    pub fn components(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.principal)
            .chain(self.additional.iter())
            .chain(self.proxy.iter())
    }
}
