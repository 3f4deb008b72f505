//! Proof deposits per proof item.

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Status of one proof item of a candidature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofStatus {
    ToDeposit,
    Deposited,
    UnderReview,
    Validated,
    ComplementRequested,
    Rejected,
    Inherited,
    Equivalent,
    NotApplicable,
}

impl ProofStatus {
    pub const ALL: [ProofStatus; 9] = [
        ProofStatus::ToDeposit,
        ProofStatus::Deposited,
        ProofStatus::UnderReview,
        ProofStatus::Validated,
        ProofStatus::ComplementRequested,
        ProofStatus::Rejected,
        ProofStatus::Inherited,
        ProofStatus::Equivalent,
        ProofStatus::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToDeposit => "to_deposit",
            Self::Deposited => "deposited",
            Self::UnderReview => "under_review",
            Self::Validated => "validated",
            Self::ComplementRequested => "complement_requested",
            Self::Rejected => "rejected",
            Self::Inherited => "inherited",
            Self::Equivalent => "equivalent",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| ParseError::new("proof_status", format!("« {s} » : statut inconnu")))
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::ToDeposit => "À déposer",
            Self::Deposited => "Déposée",
            Self::UnderReview => "En instruction",
            Self::Validated => "Validée",
            Self::ComplementRequested => "Complément demandé",
            Self::Rejected => "Refusée",
            Self::Inherited => "Héritée",
            Self::Equivalent => "Équivalente",
            Self::NotApplicable => "Non applicable",
        }
    }

    /// Counted as deposited for progress (DEP-01 counts an item deposited whatever its review
    /// status [default]).
    pub fn counts_as_deposited(self) -> bool {
        matches!(
            self,
            Self::Deposited
                | Self::UnderReview
                | Self::Validated
                | Self::ComplementRequested
                | Self::Rejected
        )
    }

    /// Needs no deposit from the editor.
    pub fn is_exempt(self) -> bool {
        matches!(
            self,
            Self::Inherited | Self::Equivalent | Self::NotApplicable
        )
    }
}
