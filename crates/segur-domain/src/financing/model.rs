//! The ASP side of a SONS: clients, orders (bons de commande), advance and balance requests,
//! and the Prestations with their PV and VA (README c.3 and e).
//!
//! These are records as the ASP and the editor state them; what they must respect is checked by
//! the BDC, FIN and PRE rule families (`rules::fin`), so a record that breaks a rule still
//! loads and gets a diagnostic that cites it. Only malformed values (an amount with three
//! decimals, a SIRET with a wrong key, a request "à modifier" without its motivation) are
//! refused at parse time.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::money::{HtTtc, Money};
use super::structure::StructureId;
use crate::catalogue::DispositifCode;
use crate::referencing::Nru;

/// Kind of client structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClientKind {
    /// Professionnel de santé (ville).
    #[serde(rename = "PS")]
    Ps,
    /// Établissement de santé.
    #[serde(rename = "ES")]
    Es,
    /// Établissement ou service médico-social.
    #[serde(rename = "ESMS")]
    Esms,
}

impl ClientKind {
    /// The stable code used in files and the database (`PS`, `ES`, `ESMS`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Ps => "PS",
            ClientKind::Es => "ES",
            ClientKind::Esms => "ESMS",
        }
    }
}

/// The client's row of the *Base des ES éligibles* for one SONS, or its forfait (FIN-03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRow {
    pub dispositif: DispositifCode,
    /// "Activité combinée" of the base, when given.
    #[serde(default)]
    pub activity: Option<String>,
    /// Cap of a "Vague 2" Prestation, HT.
    pub cap_ht: Money,
    /// Cap of a "Vague 2" Prestation, TTC, when the base states it.
    #[serde(default)]
    pub cap_ttc: Option<Money>,
    /// Extra component added to the cap for a "Vague 1 + Vague 2" Prestation, HT; absent when
    /// the SONS has none (then Va1+Va2 is capped like Va2).
    #[serde(default)]
    pub cap_va1va2_extra_ht: Option<Money>,
}

/// A client structure that may order a Prestation Ségur.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: StructureId,
    pub kind: ClientKind,
    pub name: String,
    /// Caps per SONS.
    #[serde(default)]
    pub eligibility: Vec<EligibilityRow>,
    /// va1 SONS under which the client already had a financed Prestation (FIN-02).
    #[serde(default)]
    pub va1_financed: Vec<DispositifCode>,
    /// The client paid itself the update to a va1-referenced version (FIN-02).
    #[serde(default)]
    pub paid_own_va1_update: bool,
}

impl Client {
    pub fn eligibility_for(&self, dispositif: &DispositifCode) -> Option<&EligibilityRow> {
        self.eligibility
            .iter()
            .find(|e| &e.dispositif == dispositif)
    }
}

/// The two Prestations of a va2 SONS (FIN-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrestationType {
    /// "Prestation Ségur Vague 2", for clients already equipped with a va1-compliant version.
    Va2,
    /// "Prestation Ségur Vague 1 + Vague 2".
    Va1Va2,
}

impl PrestationType {
    pub fn label_fr(self) -> &'static str {
        match self {
            PrestationType::Va2 => "Vague 2",
            PrestationType::Va1Va2 => "Vague 1 + Vague 2",
        }
    }
}

/// What the order makes the Prestation depend on (BDC-06). All `false` is the only compliant
/// state, except a charged catch-up update of a version the editor declared obsolete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderConditions {
    /// Conditioned on a re-engagement (contract renewal).
    pub reengagement: bool,
    /// Conditioned on subscribing a paid option.
    pub paid_option: bool,
    /// Conditioned on ordering another paid product.
    pub other_paid_product: bool,
    /// A prior catch-up update to the latest version is charged to the client.
    pub catch_up_update_charged: bool,
    /// The editor declared the client's current version obsolete.
    pub client_version_declared_obsolete: bool,
}

/// A bon de commande between an editor and a client for one SONS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Identifier of the order, e.g. `BC-001`.
    pub id: String,
    pub client: StructureId,
    /// Editor id in the world.
    pub editor: String,
    pub dispositif: DispositifCode,
    /// NRU of the solution's va2 referencing, once known.
    #[serde(default)]
    pub referencing: Option<Nru>,
    /// Candidature of the solution: its complete-deposit date drives BDC-02.
    #[serde(default)]
    pub candidature: Option<String>,
    /// The order carries the mention « sous condition de référencement » (BDC-05).
    #[serde(default)]
    pub sous_condition_de_referencement: bool,
    pub prestation: PrestationType,
    pub emitted_on: Date,
    #[serde(default)]
    pub signed_on: Option<Date>,
    /// Date the signed order was deposited with the ASP (with the advance request).
    #[serde(default)]
    pub deposited_on: Option<Date>,
    pub amount_ht: Money,
    pub amount_ttc: Money,
    #[serde(default)]
    pub conditions: OrderConditions,
}

impl Order {
    pub fn amounts(&self) -> HtTtc {
        HtTtc {
            ht: self.amount_ht,
            ttc: self.amount_ttc,
        }
    }
}

/// Advance (avance, with the order, before D4) or balance (solde, after the VA, before D6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Advance,
    Balance,
}

impl RequestKind {
    /// The stable code used in documents and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Advance => "advance",
            RequestKind::Balance => "balance",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            RequestKind::Advance => "demande d'avance",
            RequestKind::Balance => "demande de solde",
        }
    }
}

/// ASP status of a payment request (FIN-04). "À modifier" always says why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestStatus {
    Deposited,
    AModifier { motivation: String },
    Validated,
    DecideeEtPayee,
}

impl RequestStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RequestStatus::Deposited => "deposited",
            RequestStatus::AModifier { .. } => "a_modifier",
            RequestStatus::Validated => "validated",
            RequestStatus::DecideeEtPayee => "decidee_et_payee",
        }
    }

    pub fn label_fr(&self) -> &'static str {
        match self {
            RequestStatus::Deposited => "déposée",
            RequestStatus::AModifier { .. } => "à modifier",
            RequestStatus::Validated => "validée",
            RequestStatus::DecideeEtPayee => "décidée et payée",
        }
    }

    /// Validated by the ASP (possibly already paid).
    pub fn is_validated(&self) -> bool {
        matches!(
            self,
            RequestStatus::Validated | RequestStatus::DecideeEtPayee
        )
    }
}

/// What the ASP decides on a deposited request (FIN-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestDecision {
    /// Déposée → validée.
    Validate,
    /// Déposée → à modifier, with the reason the editor must read.
    SendBack { motivation: String },
    /// Validée → décidée et payée.
    MarkPaid,
}

impl RequestDecision {
    pub fn as_str(&self) -> &'static str {
        match self {
            RequestDecision::Validate => "validate",
            RequestDecision::SendBack { .. } => "send_back",
            RequestDecision::MarkPaid => "mark_paid",
        }
    }
}

/// A decision or amendment that the request's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("demande {id} « {status} » : {what}")]
pub struct TransitionRefused {
    pub id: String,
    pub status: &'static str,
    pub what: String,
}

impl PaymentRequest {
    /// Applies an ASP decision: validate or send back a deposited request, mark a validated
    /// one paid. Anything else is refused, and a send-back needs a motivation.
    pub fn decide(&mut self, decision: RequestDecision) -> Result<(), TransitionRefused> {
        let refused = |r: &PaymentRequest, what: &str| TransitionRefused {
            id: r.id.clone(),
            status: r.status.label_fr(),
            what: what.to_owned(),
        };
        self.status = match (&self.status, decision) {
            (RequestStatus::Deposited, RequestDecision::Validate) => RequestStatus::Validated,
            (RequestStatus::Deposited, RequestDecision::SendBack { motivation }) => {
                let motivation = motivation.trim().to_owned();
                if motivation.is_empty() {
                    return Err(refused(self, "un renvoi « à modifier » doit être motivé"));
                }
                RequestStatus::AModifier { motivation }
            }
            (RequestStatus::Validated, RequestDecision::MarkPaid) => RequestStatus::DecideeEtPayee,
            (_, RequestDecision::Validate | RequestDecision::SendBack { .. }) => {
                return Err(refused(
                    self,
                    "seule une demande déposée peut être validée ou renvoyée",
                ));
            }
            (_, RequestDecision::MarkPaid) => {
                return Err(refused(
                    self,
                    "seule une demande validée peut être décidée et payée",
                ));
            }
        };
        Ok(())
    }

    /// Records an avenant: a request sent back « à modifier » is deposited again on `on`.
    pub fn amend(&mut self, on: Date, description: String) -> Result<(), TransitionRefused> {
        if !matches!(self.status, RequestStatus::AModifier { .. }) {
            return Err(TransitionRefused {
                id: self.id.clone(),
                status: self.status.label_fr(),
                what: "un avenant n'est possible que sur une demande « à modifier »".to_owned(),
            });
        }
        self.status = RequestStatus::Deposited;
        self.amendments.push(Amendment { on, description });
        Ok(())
    }
}

/// An avenant to a request: a correction deposited after "à modifier".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub on: Date,
    #[serde(default)]
    pub description: String,
}

/// A demande d'avance or de solde for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPaymentRequest", into = "RawPaymentRequest")]
pub struct PaymentRequest {
    pub id: String,
    /// Order id.
    pub order: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub deposited_on: Date,
    pub amendments: Vec<Amendment>,
}

/// The file form of a [`PaymentRequest`]: `status = "a_modifier"` with `motivation = "…"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaymentRequest {
    id: String,
    order: String,
    kind: RequestKind,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    motivation: Option<String>,
    deposited_on: Date,
    #[serde(default)]
    amendments: Vec<Amendment>,
}

impl TryFrom<RawPaymentRequest> for PaymentRequest {
    type Error = crate::ParseError;
    fn try_from(r: RawPaymentRequest) -> Result<Self, Self::Error> {
        let motivation = r.motivation.map(|m| m.trim().to_owned());
        let status = match (r.status.as_str(), motivation) {
            ("a_modifier", Some(m)) if !m.is_empty() => RequestStatus::AModifier { motivation: m },
            ("a_modifier", _) => {
                return Err(crate::ParseError::new(
                    "statut",
                    format!("demande {} « à modifier » sans motivation", r.id),
                ));
            }
            ("deposited" | "validated" | "decidee_et_payee", Some(_)) => {
                return Err(crate::ParseError::new(
                    "motivation",
                    format!(
                        "demande {} : une motivation n'accompagne que le statut « a_modifier »",
                        r.id
                    ),
                ));
            }
            ("deposited", None) => RequestStatus::Deposited,
            ("validated", None) => RequestStatus::Validated,
            ("decidee_et_payee", None) => RequestStatus::DecideeEtPayee,
            (other, _) => {
                return Err(crate::ParseError::new(
                    "statut",
                    format!(
                        "« {other} » : statut attendu deposited, a_modifier, validated ou decidee_et_payee"
                    ),
                ));
            }
        };
        Ok(PaymentRequest {
            id: r.id,
            order: r.order,
            kind: r.kind,
            status,
            deposited_on: r.deposited_on,
            amendments: r.amendments,
        })
    }
}

impl From<PaymentRequest> for RawPaymentRequest {
    fn from(p: PaymentRequest) -> Self {
        let status = p.status.as_str().to_owned();
        let motivation = match p.status {
            RequestStatus::AModifier { motivation } => Some(motivation),
            _ => None,
        };
        RawPaymentRequest {
            id: p.id,
            order: p.order,
            kind: p.kind,
            status,
            motivation,
            deposited_on: p.deposited_on,
            amendments: p.amendments,
        }
    }
}

/// Procès-verbal of installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pv {
    pub signed_on: Date,
    /// PV of a pilot site: the ANS validates it before any VA (PRE-03).
    #[serde(default)]
    pub pilot: bool,
    #[serde(default)]
    pub ans_validated_on: Option<Date>,
}

/// What the Prestation delivers (PRE-04), as declared by the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrestationContent {
    /// Rights of use for the remaining support contract, in years (at most 5 financed).
    pub rights_of_use_years: u8,
    /// Corrective maintenance, in years (at most 5 financed).
    pub corrective_maintenance_years: u8,
    /// Installation, configuration and qualification up to effective activation.
    pub installation_to_activation: bool,
    /// The flows of the SONS are implemented.
    pub flows: bool,
    pub portability: bool,
    pub training: bool,
}

/// The Prestation Ségur carried out under one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prestation {
    /// Order id.
    pub order: String,
    #[serde(default)]
    pub started_on: Option<Date>,
    /// Complete and effective installation.
    #[serde(default)]
    pub installed_on: Option<Date>,
    #[serde(default)]
    pub pv: Option<Pv>,
    /// Vérification d'aptitude signed by the client.
    #[serde(default)]
    pub va_signed_on: Option<Date>,
    #[serde(default)]
    pub ended_on: Option<Date>,
    #[serde(default)]
    pub content: Option<PrestationContent>,
}

/// The four financing lists of a world, borrowed.
#[derive(Debug, Clone, Copy, Default)]
pub struct FinancingRecords<'a> {
    pub clients: &'a [Client],
    pub orders: &'a [Order],
    pub payment_requests: &'a [PaymentRequest],
    pub prestations: &'a [Prestation],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fin_04_a_modifier_needs_a_motivation() {
        let base =
            "id = \"DA-1\"\norder = \"BC-1\"\nkind = \"advance\"\ndeposited_on = \"2026-05-01\"\n";
        let ok: PaymentRequest = toml::from_str(&format!(
            "{base}status = \"a_modifier\"\nmotivation = \"RIB illisible\"\n"
        ))
        .unwrap();
        assert_eq!(
            ok.status,
            RequestStatus::AModifier {
                motivation: "RIB illisible".into()
            }
        );
        assert!(
            toml::from_str::<PaymentRequest>(&format!("{base}status = \"a_modifier\"\n")).is_err()
        );
        assert!(
            toml::from_str::<PaymentRequest>(&format!(
                "{base}status = \"validated\"\nmotivation = \"x\"\n"
            ))
            .is_err()
        );
        assert!(toml::from_str::<PaymentRequest>(&format!("{base}status = \"payee\"\n")).is_err());
        let back: PaymentRequest =
            serde_json::from_value(serde_json::to_value(&ok).unwrap()).unwrap();
        assert_eq!(back, ok);
    }

    #[test]
    fn kind_codes_match_their_serialised_form() {
        for k in [ClientKind::Ps, ClientKind::Es, ClientKind::Esms] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for k in [RequestKind::Advance, RequestKind::Balance] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn fin_04_status_transitions() {
        let mut r = PaymentRequest {
            id: "DA-1".into(),
            order: "BC-1".into(),
            kind: RequestKind::Advance,
            status: RequestStatus::Deposited,
            deposited_on: jiff::civil::date(2026, 5, 1),
            amendments: vec![],
        };
        assert!(r.decide(RequestDecision::MarkPaid).is_err());
        assert!(r.amend(jiff::civil::date(2026, 5, 2), "x".into()).is_err());
        let blank = r.decide(RequestDecision::SendBack {
            motivation: "  ".into(),
        });
        assert!(blank.unwrap_err().to_string().contains("motivé"));
        r.decide(RequestDecision::SendBack {
            motivation: "RIB illisible".into(),
        })
        .unwrap();
        assert_eq!(r.status.as_str(), "a_modifier");
        assert!(r.decide(RequestDecision::Validate).is_err());
        r.amend(jiff::civil::date(2026, 5, 3), "RIB lisible".into())
            .unwrap();
        assert_eq!(r.status, RequestStatus::Deposited);
        assert_eq!(r.amendments.len(), 1);
        r.decide(RequestDecision::Validate).unwrap();
        assert!(r.decide(RequestDecision::Validate).is_err());
        r.decide(RequestDecision::MarkPaid).unwrap();
        assert_eq!(r.status, RequestStatus::DecideeEtPayee);
        assert!(r.decide(RequestDecision::MarkPaid).is_err());
    }

    #[test]
    fn fin_03_order_amounts_refuse_three_decimals() {
        let base = "id = \"BC-1\"\nclient = \"finess_ej:750712184\"\neditor = \"ed\"\ndispositif = \"MDV-LGC-Va2\"\nprestation = \"va2\"\nemitted_on = \"2026-01-05\"\n";
        let ok: Order = toml::from_str(&format!(
            "{base}amount_ht = \"1000.00\"\namount_ttc = \"1200.00\"\n"
        ))
        .unwrap();
        assert_eq!(ok.amounts().ttc.cents(), 120_000);
        assert!(
            toml::from_str::<Order>(&format!(
                "{base}amount_ht = \"1000.000\"\namount_ttc = \"1200.00\"\n"
            ))
            .is_err()
        );
    }
}
