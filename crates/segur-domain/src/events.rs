//! Domain events: what happened to a candidature, told to the people and systems concerned
//! (in-app notifications, e-mails, webhooks).
//!
//! The store writes an event in the same transaction as the audited change it describes
//! (an *outbox*, keyed by the audit event's sequence number), so that an event exists if and
//! only if the change does; the notification worker reads them in order afterwards. Pure data:
//! no I/O, no clock (the store stamps the time).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::catalogue::ProofItemKey;

/// The kinds of event, with stable names (webhook `type`, e-mail templates, preferences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The candidature moved through the state machine (`candidature.rs`).
    CandidatureStateChanged,
    /// The ANS validated a proof item.
    ProofValidated,
    /// The ANS rejected a proof item, with a motivation.
    ProofRejected,
    /// The ANS asked for a complement on a proof item (LIF-06 clock starts; LIF-07 after D3).
    ComplementRequested,
    /// The editor answered a complement request (and usually re-deposited).
    ComplementAnswered,
    /// A message of the candidature's thread, from the ANS to the editor.
    MessageFromAns,
    /// A message of the candidature's thread, from the editor to the ANS.
    MessageFromEditor,
    /// The référent referred the candidature: NRU and attestation issued (LIF-08).
    CandidatureReferred,
    /// The ANS refused the candidature, with a motivation.
    CandidatureRefused,
    /// A referencing was withdrawn, with a motivation.
    ReferencingWithdrawn,
    /// A root referencing this candidature's équivalence relied on was withdrawn: its
    /// equivalent proofs are to deposit again (EQV-13).
    EquivalenceLost,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        Self::CandidatureStateChanged,
        Self::ProofValidated,
        Self::ProofRejected,
        Self::ComplementRequested,
        Self::ComplementAnswered,
        Self::MessageFromAns,
        Self::MessageFromEditor,
        Self::CandidatureReferred,
        Self::CandidatureRefused,
        Self::ReferencingWithdrawn,
        Self::EquivalenceLost,
    ];

    /// Stable name, as stored and as sent in webhooks (`type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CandidatureStateChanged => "candidature.state_changed",
            Self::ProofValidated => "proof.validated",
            Self::ProofRejected => "proof.rejected",
            Self::ComplementRequested => "complement.requested",
            Self::ComplementAnswered => "complement.answered",
            Self::MessageFromAns => "message.from_ans",
            Self::MessageFromEditor => "message.from_editor",
            Self::CandidatureReferred => "candidature.referred",
            Self::CandidatureRefused => "candidature.refused",
            Self::ReferencingWithdrawn => "referencing.withdrawn",
            Self::EquivalenceLost => "equivalence.lost",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseError::new("event_kind", format!("« {s} » : événement inconnu")))
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Self::CandidatureStateChanged => "Changement d'état de la candidature",
            Self::ProofValidated => "Preuve validée",
            Self::ProofRejected => "Preuve refusée",
            Self::ComplementRequested => "Complément demandé",
            Self::ComplementAnswered => "Réponse à une demande de complément",
            Self::MessageFromAns => "Message de l'ANS",
            Self::MessageFromEditor => "Message de l'éditeur",
            Self::CandidatureReferred => "Candidature référencée",
            Self::CandidatureRefused => "Candidature refusée",
            Self::ReferencingWithdrawn => "Référencement retiré",
            Self::EquivalenceLost => "Équivalence perdue (référencement racine retiré)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::CandidatureStateChanged => "Candidature state changed",
            Self::ProofValidated => "Proof validated",
            Self::ProofRejected => "Proof rejected",
            Self::ComplementRequested => "Complement requested",
            Self::ComplementAnswered => "Complement request answered",
            Self::MessageFromAns => "Message from the ANS",
            Self::MessageFromEditor => "Message from the editor",
            Self::CandidatureReferred => "Candidature referenced",
            Self::CandidatureRefused => "Candidature refused",
            Self::ReferencingWithdrawn => "Referencing withdrawn",
            Self::EquivalenceLost => "Equivalence lost (root referencing withdrawn)",
        }
    }

    /// Whether the editor's people are told (events they caused themselves are for the ANS).
    pub fn tells_editor(self) -> bool {
        !matches!(self, Self::ComplementAnswered | Self::MessageFromEditor)
    }
}

/// One event, as written to the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub kind: EventKind,
    /// The editor organisation the event is about: whose accounts and webhooks are told.
    pub organisation_id: String,
    #[serde(default)]
    pub candidature_id: Option<String>,
    /// The proof item concerned, for item-level events.
    #[serde(default)]
    pub proof_item: Option<ProofItemKey>,
    /// Human summary in French: the motivation, the message excerpt, the new state… Never a
    /// secret, since it is sent by e-mail and webhook.
    #[serde(default)]
    pub detail: String,
    /// A deadline attached to the event (answer due, D2…), if any.
    #[serde(default)]
    pub due_on: Option<Date>,
    /// The NRU issued or withdrawn, for decision events.
    #[serde(default)]
    pub nru: Option<String>,
}

impl DomainEvent {
    pub fn new(kind: EventKind, organisation_id: impl Into<String>) -> Self {
        Self {
            kind,
            organisation_id: organisation_id.into(),
            candidature_id: None,
            proof_item: None,
            detail: String::new(),
            due_on: None,
            nru: None,
        }
    }

    pub fn candidature(mut self, id: impl Into<String>) -> Self {
        self.candidature_id = Some(id.into());
        self
    }

    pub fn item(mut self, key: ProofItemKey) -> Self {
        self.proof_item = Some(key);
        self
    }

    pub fn detail(mut self, text: impl Into<String>) -> Self {
        self.detail = text.into();
        self
    }

    pub fn due(mut self, on: Date) -> Self {
        self.due_on = Some(on);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_are_unique() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()).unwrap(), k);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
        assert!(EventKind::parse("nope").is_err());
    }

    #[test]
    fn editor_is_not_told_of_its_own_answers() {
        assert!(!EventKind::ComplementAnswered.tells_editor());
        assert!(!EventKind::MessageFromEditor.tells_editor());
        assert!(EventKind::ComplementRequested.tells_editor());
    }
}
