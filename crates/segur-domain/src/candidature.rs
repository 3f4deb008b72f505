//! Candidatures and their state machine (LIF family).
//!
//! The Convergence state names are not public (Q1); this machine follows the seeds' vocabulary:
//! draft → administrative dossier submitted → eligibility complete → proofs in progress →
//! complete → in instruction → referenced / refused, with abandon possible before a decision.

use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::catalogue::{DispositifCode, Profile};
use crate::referencing::Nru;
use crate::solution::{Component, Solution};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidatureState {
    Draft,
    AdminSubmitted,
    EligibilityComplete,
    ProofsInProgress,
    Complete,
    InInstruction,
    Referenced,
    Refused,
    Abandoned,
}

/// An action that moves a candidature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidatureEvent {
    SubmitAdministrative,
    CompleteEligibility,
    StartDeposits,
    DeclareComplete,
    StartInstruction,
    /// The ANS asks for a complement on a complete dossier: back to proofs in progress is not
    /// needed, instruction continues; modelled as a self-transition.
    RequestComplement,
    Refer,
    Refuse,
    Abandon,
    /// The candidature is reopened during the journey, e.g. to add a root NRU (seed 003).
    Reopen,
}

/// A transition that the state machine refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transition {event:?} impossible depuis l'état {from:?}")]
pub struct InvalidTransition {
    pub from: CandidatureState,
    pub event: CandidatureEvent,
}

impl CandidatureState {
    pub const ALL: [CandidatureState; 9] = [
        Self::Draft,
        Self::AdminSubmitted,
        Self::EligibilityComplete,
        Self::ProofsInProgress,
        Self::Complete,
        Self::InInstruction,
        Self::Referenced,
        Self::Refused,
        Self::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::AdminSubmitted => "admin_submitted",
            Self::EligibilityComplete => "eligibility_complete",
            Self::ProofsInProgress => "proofs_in_progress",
            Self::Complete => "complete",
            Self::InInstruction => "in_instruction",
            Self::Referenced => "referenced",
            Self::Refused => "refused",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| ParseError::new("candidature_state", format!("« {s} » : état inconnu")))
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Draft => "Brouillon",
            Self::AdminSubmitted => "Dossier administratif déposé",
            Self::EligibilityComplete => "Éligibilité complète",
            Self::ProofsInProgress => "Dépôt des preuves en cours",
            Self::Complete => "Dossier complet déposé",
            Self::InInstruction => "En instruction",
            Self::Referenced => "Référencée",
            Self::Refused => "Refusée",
            Self::Abandoned => "Abandonnée",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Referenced | Self::Refused | Self::Abandoned)
    }

    /// The state after `event`, or why it is refused.
    pub fn apply(self, event: CandidatureEvent) -> Result<CandidatureState, InvalidTransition> {
        use CandidatureEvent as E;
        use CandidatureState as S;
        let next = match (self, event) {
            (S::Draft, E::SubmitAdministrative) => S::AdminSubmitted,
            (S::AdminSubmitted, E::CompleteEligibility) => S::EligibilityComplete,
            (S::EligibilityComplete, E::StartDeposits) => S::ProofsInProgress,
            (S::ProofsInProgress, E::DeclareComplete) => S::Complete,
            (S::Complete, E::StartInstruction) => S::InInstruction,
            (S::InInstruction, E::RequestComplement) => S::InInstruction,
            (S::InInstruction, E::Refer) => S::Referenced,
            (S::InInstruction, E::Refuse) => S::Refused,
            (
                S::AdminSubmitted | S::EligibilityComplete | S::ProofsInProgress | S::Complete,
                E::Reopen,
            ) => S::ProofsInProgress,
            (s, E::Abandon) if !s.is_final() => S::Abandoned,
            (from, event) => return Err(InvalidTransition { from, event }),
        };
        Ok(next)
    }
}

/// A candidature of one solution on one dispositif.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidature {
    pub dispositif: DispositifCode,
    pub state: CandidatureState,
    pub solution: Solution,
    /// Selected optional profiles; `Général` always applies (LIF-03).
    #[serde(default)]
    pub profiles: Vec<Profile>,
    /// Pinned REM version (REM-01).
    pub rem_version: String,
    /// Root NRU for équivalence (EQV-02: zero or one) and the date it was declared (EQV-04).
    #[serde(default)]
    pub root_nru: Option<Nru>,
    #[serde(default)]
    pub root_declared_on: Option<jiff::civil::Date>,
    /// Heritage NRUs (HER-02/03/04).
    #[serde(default)]
    pub heritage_nrus: Vec<Nru>,
    /// Signed attestation sur l'honneur (EQV-08, NAM-01).
    #[serde(default)]
    pub attestation_honneur: bool,
    /// Components that are new with respect to the root solution (EQV-09).
    #[serde(default)]
    pub new_components: Vec<Component>,
    /// Chapters impacted by the new components: their proofs must be deposited (EQV-06).
    #[serde(default)]
    pub impacted_chapters: Vec<String>,
    #[serde(default)]
    pub filed_on: Option<jiff::civil::Date>,
    /// Date the complete proof dossier was deemed deposited (LIF-05, drives BDC-02).
    #[serde(default)]
    pub complete_deposit_on: Option<jiff::civil::Date>,
    /// Date the declaration (components, names, impacted chapters) was last changed. Proofs
    /// deposited before it in impacted chapters are to requalify (LIF-09); `None` when the
    /// declaration has not changed since it was filed.
    #[serde(default)]
    pub declaration_changed_on: Option<jiff::civil::Date>,
    /// NRU issued when the candidature was referenced (LIF-08). Links a referenced candidature
    /// to the referencing other candidatures use as root (EQV-06 "validated in the root").
    #[serde(default)]
    pub obtained_nru: Option<Nru>,
}

impl Candidature {
    /// Profiles that apply: `Général` plus the selected ones.
    pub fn applicable_profiles(&self) -> Vec<Profile> {
        let mut out = vec![Profile::general()];
        for p in &self.profiles {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidatureEvent as E;
    use CandidatureState as S;

    #[test]
    fn lif_happy_path_reaches_referenced() {
        let mut s = S::Draft;
        for e in [
            E::SubmitAdministrative,
            E::CompleteEligibility,
            E::StartDeposits,
            E::DeclareComplete,
            E::StartInstruction,
            E::RequestComplement,
            E::Refer,
        ] {
            s = s.apply(e).unwrap();
        }
        assert_eq!(s, S::Referenced);
    }

    #[test]
    fn final_states_refuse_everything() {
        for s in [S::Referenced, S::Refused, S::Abandoned] {
            assert!(s.apply(E::Abandon).is_err());
            assert!(s.apply(E::Reopen).is_err());
            assert!(s.apply(E::Refer).is_err());
        }
    }

    #[test]
    fn cannot_skip_the_administrative_dossier() {
        assert!(S::Draft.apply(E::DeclareComplete).is_err());
        assert!(S::Draft.apply(E::Refer).is_err());
        assert_eq!(S::Complete.apply(E::Reopen).unwrap(), S::ProofsInProgress);
    }

    #[test]
    fn states_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()).unwrap(), s);
        }
    }
}
