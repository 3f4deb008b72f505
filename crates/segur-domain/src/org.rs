//! Organisations (editors, the ANS, the ASP, client structures), users and roles.

use serde::{Deserialize, Serialize};

use crate::{ParseError, string_newtype};

/// Luhn check used by SIREN (and FINESS-like keys).
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

/// SIREN: 9 digits with a Luhn key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);
string_newtype!(Siren);

impl Siren {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 9 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::new(
                "siren",
                format!("« {input} » : 9 chiffres attendus"),
            ));
        }
        if !luhn_ok(&s) {
            return Err(ParseError::new(
                "siren",
                format!("« {input} » : clé de contrôle invalide"),
            ));
        }
        Ok(Self(s))
    }
}

/// NIE (numéro d'identification éditeur, CNDA). Format not public: non-empty alphanumeric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nie(String);
string_newtype!(Nie);

impl Nie {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ParseError::new(
                "nie",
                format!("« {input} » : NIE alphanumérique attendu"),
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// FINESS number: 9 characters, department prefix (digits, or 2A/2B for Corsica).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Finess(String);
string_newtype!(Finess);

impl Finess {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_ascii_uppercase();
        // ASCII first: byte slicing below must not split a character (found by fuzzing).
        let ok = s.len() == 9
            && s.is_ascii()
            && (s[..2].chars().all(|c| c.is_ascii_digit()) || &s[..2] == "2A" || &s[..2] == "2B")
            && s[2..].chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(ParseError::new(
                "finess",
                format!("« {input} » : 9 caractères attendus (département puis 7 chiffres)"),
            ));
        }
        Ok(Self(s))
    }
}

/// Kind of organisation on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Editor,
    Ans,
    Asp,
    Client,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Editor => "editor",
            Self::Ans => "ans",
            Self::Asp => "asp",
            Self::Client => "client",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "editor" => Ok(Self::Editor),
            "ans" => Ok(Self::Ans),
            "asp" => Ok(Self::Asp),
            "client" => Ok(Self::Client),
            _ => Err(ParseError::new(
                "organisation_kind",
                format!("« {s} » inconnu"),
            )),
        }
    }
}

/// A user's role within their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Editor's legal representative: manages the organisation's accounts.
    EditorMandataire,
    /// Designated by the mandataire; may manage accounts.
    EditorRepresentant,
    /// Employee: works on dossiers, cannot manage accounts.
    EditorSalarie,
    AnsInstructeur,
    AnsReferent,
    AnsAdmin,
    AspAgent,
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::EditorMandataire,
        Role::EditorRepresentant,
        Role::EditorSalarie,
        Role::AnsInstructeur,
        Role::AnsReferent,
        Role::AnsAdmin,
        Role::AspAgent,
        Role::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::EditorMandataire => "editor_mandataire",
            Role::EditorRepresentant => "editor_representant",
            Role::EditorSalarie => "editor_salarie",
            Role::AnsInstructeur => "ans_instructeur",
            Role::AnsReferent => "ans_referent",
            Role::AnsAdmin => "ans_admin",
            Role::AspAgent => "asp_agent",
            Role::PlatformAdmin => "platform_admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError::new("role", format!("« {s} » : rôle inconnu")))
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::EditorMandataire => "Éditeur — mandataire",
            Role::EditorRepresentant => "Éditeur — représentant",
            Role::EditorSalarie => "Éditeur — salarié",
            Role::AnsInstructeur => "ANS — instructeur",
            Role::AnsReferent => "ANS — référent",
            Role::AnsAdmin => "ANS — administrateur",
            Role::AspAgent => "ASP — agent",
            Role::PlatformAdmin => "Administrateur de la plateforme",
        }
    }

    /// The kind of organisation a role belongs to.
    pub fn organisation_kind(self) -> Option<OrganisationKind> {
        match self {
            Role::EditorMandataire | Role::EditorRepresentant | Role::EditorSalarie => {
                Some(OrganisationKind::Editor)
            }
            Role::AnsInstructeur | Role::AnsReferent | Role::AnsAdmin => {
                Some(OrganisationKind::Ans)
            }
            Role::AspAgent => Some(OrganisationKind::Asp),
            Role::PlatformAdmin => None,
        }
    }

    pub fn is_editor(self) -> bool {
        self.organisation_kind() == Some(OrganisationKind::Editor)
    }
}

/// A login name: lowercase, 3–64 characters of letters, digits, `.`, `-`, `_`, `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);
string_newtype!(Login);

impl Login {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_lowercase();
        let ok = (3..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if !ok {
            return Err(ParseError::new(
                "login",
                "identifiant de 3 à 64 caractères (lettres, chiffres, . - _ @)",
            ));
        }
        Ok(Self(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_needs_nine_digits_and_a_valid_key() {
        assert!(Siren::parse("732 829 320").is_ok());
        assert!(Siren::parse("732829321").is_err());
        assert!(Siren::parse("12345").is_err());
    }

    #[test]
    fn finess_accepts_corsica() {
        assert!(Finess::parse("2A0000123").is_ok());
        assert!(Finess::parse("750712184").is_ok());
        assert!(Finess::parse("75071218").is_err());
        assert!(Finess::parse("ZZ0712184").is_err());
    }

    /// Found by fuzzing the eligibility base: nine bytes that are not nine ASCII characters
    /// used to make the parser slice inside a character and panic.
    #[test]
    fn finess_refuses_multibyte_input_without_panicking() {
        assert!(Finess::parse("5ÿÿÿES").is_err());
        assert!(Finess::parse("éé0712184").is_err());
        assert!(Finess::parse("7ÿ0712184").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::EditorSalarie.is_editor());
        assert!(!Role::AnsReferent.is_editor());
    }
}
